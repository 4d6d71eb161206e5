"""Two citizens racing for the last place of a slot: exactly one wins.

Runs on PostgreSQL (row lock on the slot); SQLite serialises writers with its
IMMEDIATE transactions and an in-memory test database cannot be shared by threads.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from jingmin.catalogue import services
from jingmin.catalogue.models import Appointment, AppointmentSlot

from .factories import slots_next_workday

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_many_wins_the_last_place(county):
    slots_next_workday(
        county,
        times=[(dt.time(9), dt.time(10)), (dt.time(10), dt.time(11))],
        capacity=2,
    )
    slot = AppointmentSlot.objects.order_by("starts_at").first()
    services.appointment_book(slot_id=slot.pk, name="甲", phone="13800000000")

    racers = 6
    barrier = threading.Barrier(racers)
    results: list[str] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        try:
            barrier.wait()
            services.appointment_book(
                slot_id=slot.pk, name=f"乙{n}", phone=f"1390000000{n}"
            )
            outcome = "won"
        except services.SlotFull as exc:
            outcome = "full" if exc.alternatives else "full-without-alternatives"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["full"] * (racers - 1) + ["won"]
    assert Appointment.objects.filter(slot=slot, status="booked").count() == 2


@pytest.mark.django_db(transaction=True)
def test_one_phone_racing_for_several_slots_of_a_service_gets_one(county):
    """The one-open-appointment-per-service rule holds when one phone books
    different slots at the same moment (each slot has room)."""
    slots_next_workday(
        county,
        times=[(dt.time(h), dt.time(h + 1)) for h in (9, 10, 11, 14)],
        capacity=5,
    )
    slots = list(AppointmentSlot.objects.order_by("starts_at"))
    barrier = threading.Barrier(len(slots))
    results: list[str] = []
    lock = threading.Lock()

    def race(slot_id: int) -> None:
        try:
            barrier.wait()
            services.appointment_book(slot_id=slot_id, name="甲", phone="13800000000")
            outcome = "won"
        except services.Conflict as exc:
            outcome = exc.code
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=race, args=(s.pk,)) for s in slots]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["phone_has_appointment"] * (len(slots) - 1) + ["won"]
    assert Appointment.objects.filter(status="booked").count() == 1
