"""Verifying the chain and signed checkpoints (`jingmin audit verify` / `checkpoint`)."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.utils import timezone

from .hashing import GENESIS, event_fields, event_hash
from .models import AuditEvent, AuditHead


@dataclass
class VerifyResult:
    ok: bool = True
    events: int = 0
    heads: dict[int, tuple[int, str]] = field(default_factory=dict)  # chain → end
    problems: list[str] = field(default_factory=list)
    checkpoints: int = 0

    def fail(self, message: str) -> None:
        self.ok = False
        self.problems.append(message)

    def end(self, chain: int) -> tuple[int, str]:
        """(seq, hash) of the last event of ``chain``; (0, GENESIS) if it is empty."""
        return self.heads.get(chain, (0, GENESIS))


def verify_chain(*, checkpoint_file: Path | None = None) -> VerifyResult:
    """Recompute every hash of every chain in order; name the first event that was
    changed, deleted, inserted or reordered, then compare the chains' ends with
    their heads and with the signed checkpoints."""
    result = VerifyResult()
    path = checkpoint_file or settings.AUDIT_CHECKPOINT_FILE
    wanted = _checkpointed(path)
    # Heads first: events committed after this read only make the chains longer.
    heads = dict(AuditHead.objects.values_list("id", "seq"))
    hashes: dict[tuple[int, int], str] = {}
    chain, expected_seq, prev_hash = None, 1, GENESIS
    for event in AuditEvent.objects.order_by("chain", "seq").iterator(chunk_size=2000):
        if event.chain != chain:
            chain, expected_seq, prev_hash = event.chain, 1, GENESIS
        name = f"event #{event.seq} of chain {chain}"
        result.events += 1
        if event.seq != expected_seq:
            result.fail(
                f"events {expected_seq}..{event.seq - 1} of chain {chain} are "
                f"missing (deleted) before {name}"
            )
            return result
        if event.prev_hash != prev_hash:
            result.fail(
                f"{name} does not follow event #{event.seq - 1} "
                "(inserted, deleted or reordered)"
            )
            return result
        if event_hash(prev_hash, event_fields(event)) != event.hash:
            result.fail(f"{name} was changed after it was written")
            return result
        if (chain, event.seq) in wanted:
            hashes[chain, event.seq] = event.hash
        prev_hash = event.hash
        expected_seq += 1
        result.heads[chain] = (event.seq, event.hash)
    for chain_id, head_seq in sorted(heads.items()):
        if head_seq > result.end(chain_id)[0]:
            result.fail(
                f"chain {chain_id} ends at #{result.end(chain_id)[0]} but its head "
                f"says #{head_seq} (tail deleted)"
            )
    _verify_checkpoints(result, hashes, path)
    return result


def _checkpoint_heads(record: dict) -> dict[int, tuple[int, str]]:
    """chain → (seq, hash) signed by one checkpoint line (a line written before
    there were several chains signs chain 1 alone)."""
    if "heads" in record:
        return {int(c): (int(s), str(h)) for c, (s, h) in record["heads"].items()}
    return {1: (int(record["seq"]), str(record["hash"]))}


def _checkpoint_lines(path: Path) -> list[tuple[int, dict]]:
    if not path.exists():
        return []
    lines = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                lines.append((lineno, json.loads(line)))
            except ValueError:
                lines.append((lineno, {}))
    return lines


def _checkpointed(path: Path) -> set[tuple[int, int]]:
    wanted = set()
    for _lineno, record in _checkpoint_lines(path):
        try:
            wanted |= {(c, s) for c, (s, _h) in _checkpoint_heads(record).items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return wanted


def _load_key(create: bool) -> Ed25519PrivateKey | None:
    path: Path = settings.AUDIT_SIGNING_KEY_FILE
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        return key
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)  # noqa: S101
    return key


def _payload(record: dict) -> bytes:
    if "heads" not in record:  # the single-chain format of earlier lines
        return (
            f"jingmin-audit-checkpoint|{record['seq']}|{record['hash']}|{record['at']}"
        ).encode()
    heads = "|".join(
        f"{c}:{s}:{h}" for c, (s, h) in sorted(_checkpoint_heads(record).items())
    )
    return f"jingmin-audit-checkpoint-2|{record['at']}|{heads}".encode()


def write_checkpoint(*, checkpoint_file: Path | None = None) -> dict:
    """Sign the end of every chain (after verifying them) and append it to the store."""
    result = verify_chain(checkpoint_file=checkpoint_file)
    if not result.ok:
        raise ValueError("; ".join(result.problems))
    key = _load_key(create=True)
    record: dict = {
        "heads": {str(c): list(end) for c, end in sorted(result.heads.items())},
        "at": timezone.now().isoformat(),
    }
    record["signature"] = base64.b64encode(key.sign(_payload(record))).decode()
    path = checkpoint_file or settings.AUDIT_CHECKPOINT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    record["events"] = result.events
    return record


def _verify_checkpoints(
    result: VerifyResult, hashes: dict[tuple[int, int], str], path: Path
) -> None:
    lines = _checkpoint_lines(path)
    if not lines:
        return
    key = _load_key(create=False)
    if key is None:
        result.fail(f"checkpoints exist in {path} but the signing key is missing")
        return
    public = key.public_key()
    for lineno, record in lines:
        try:
            public.verify(base64.b64decode(record["signature"]), _payload(record))
            signed = _checkpoint_heads(record)
        except (ValueError, KeyError, TypeError, AttributeError, InvalidSignature):
            result.fail(f"checkpoint line {lineno} has a bad signature")
            continue
        result.checkpoints += 1
        for chain, (seq, hash_) in sorted(signed.items()):
            last = result.end(chain)[0]
            if seq == 0:
                continue
            if seq > last:
                result.fail(
                    f"checkpoint line {lineno} signed event #{seq} of chain {chain} "
                    f"but the chain ends at #{last} (tail cut off)"
                )
            elif hashes.get((chain, seq)) != hash_:
                result.fail(
                    f"event #{seq} of chain {chain} differs from checkpoint line "
                    f"{lineno} (chain rewritten)"
                )
