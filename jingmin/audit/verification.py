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
from .models import AuditEvent


@dataclass
class VerifyResult:
    ok: bool = True
    events: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)
    checkpoints: int = 0

    def fail(self, message: str) -> None:
        self.ok = False
        self.problems.append(message)


def verify_chain(*, checkpoint_file: Path | None = None) -> VerifyResult:
    """Recompute every hash in order; name the first event that was changed, deleted,
    inserted or reordered, then compare with the signed checkpoints."""
    result = VerifyResult()
    expected_seq = 1
    prev_hash = GENESIS
    path = checkpoint_file or settings.AUDIT_CHECKPOINT_FILE
    wanted = _checkpoint_seqs(path)
    hashes: dict[int, str] = {}
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        result.events += 1
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                result.fail(
                    f"events {expected_seq}..{event.seq - 1} are missing (deleted) before event #{event.seq}"
                )
            else:
                result.fail(f"event #{event.seq} is out of order")
            return result
        if event.prev_hash != prev_hash:
            result.fail(
                f"event #{event.seq} does not follow event #{event.seq - 1} (inserted, deleted or reordered)"
            )
            return result
        if event_hash(prev_hash, event_fields(event)) != event.hash:
            result.fail(f"event #{event.seq} was changed after it was written")
            return result
        if event.seq in wanted:
            hashes[event.seq] = event.hash
        prev_hash = event.hash
        expected_seq += 1
    result.last_seq = expected_seq - 1
    result.last_hash = prev_hash
    _verify_checkpoints(result, hashes, path)
    return result


def _checkpoint_seqs(path: Path) -> set[int]:
    if not path.exists():
        return set()
    seqs = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            seqs.add(int(json.loads(line)["seq"]))
        except (ValueError, KeyError, TypeError):
            continue
    return seqs


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


def _payload(seq: int, hash_: str, at: str) -> bytes:
    return f"jingmin-audit-checkpoint|{seq}|{hash_}|{at}".encode()


def write_checkpoint(*, checkpoint_file: Path | None = None) -> dict:
    """Sign the current head (after verifying the chain) and append it to the store."""
    result = verify_chain(checkpoint_file=checkpoint_file)
    if not result.ok:
        raise ValueError("; ".join(result.problems))
    key = _load_key(create=True)
    at = timezone.now().isoformat()
    record = {"seq": result.last_seq, "hash": result.last_hash, "at": at}
    record["signature"] = base64.b64encode(
        key.sign(_payload(result.last_seq, result.last_hash, at))
    ).decode()
    path = checkpoint_file or settings.AUDIT_CHECKPOINT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return record


def _verify_checkpoints(
    result: VerifyResult, hashes: dict[int, str], path: Path
) -> None:
    if not path.exists():
        return
    key = _load_key(create=False)
    if key is None:
        result.fail(f"checkpoints exist in {path} but the signing key is missing")
        return
    public = key.public_key()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            cp = json.loads(line)
            public.verify(
                base64.b64decode(cp["signature"]),
                _payload(cp["seq"], cp["hash"], cp["at"]),
            )
        except (ValueError, KeyError, InvalidSignature):
            result.fail(f"checkpoint line {lineno} has a bad signature")
            continue
        result.checkpoints += 1
        seq = cp["seq"]
        if seq == 0:
            continue
        if seq > result.last_seq:
            result.fail(
                f"checkpoint line {lineno} signed event #{seq} but the chain ends at #{result.last_seq} (tail cut off)"
            )
        elif hashes.get(seq) != cp["hash"]:
            result.fail(
                f"event #{seq} differs from checkpoint line {lineno} (chain rewritten)"
            )
