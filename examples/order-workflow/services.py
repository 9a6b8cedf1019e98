"""The order workflow's services: inventory (9101), payment (9102) and shipping (9103).

- inventory answers the first reservation of each order with 503 (busy), so the workflow's
  Retry shows; it keeps one reservation per Idempotency-Key, so a request Baton sends again
  after a crash reserves nothing twice; an item with sku "unicorn" is out of stock (409).
- payment approves every card but 4000000000000002, which it declines.
- shipping creates a shipment with a tracking number.

Run it by hand with `python3 services.py` (default ports); run.sh uses --ports-file.
"""

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from servicekit import run  # noqa: E402

lock = threading.Lock()
reservations = {}  # Idempotency-Key -> reservation
busy_once = set()  # orders whose first reservation was answered 503


def inventory(request):
    body = request.body or {}
    with lock:
        if request.path == "/reservations":
            order = body.get("orderId")
            if order not in busy_once:
                busy_once.add(order)
                return 503, {"message": "the inventory is busy; try again"}
            if any(item.get("sku") == "unicorn" for item in body.get("items", [])):
                return 409, {"message": "unicorn is out of stock"}
            key = request.headers.get("idempotency-key", order)
            reservation = reservations.setdefault(
                key, {"reservationId": f"res-{order}", "items": body.get("items", [])}
            )
            return 200, reservation
        if request.path == "/releases":
            return 200, {"released": body.get("reservationId")}
        if request.path == "/commits":
            return 200, {"committed": True, "reservationId": body.get("reservationId")}
    return 404, {"message": "no such route"}


def payment(request):
    body = request.body or {}
    if request.path != "/charges":
        return 404, {"message": "no such route"}
    order = request.headers.get("x-order-id", "?")
    status = "declined" if body.get("card") == "4000000000000002" else "approved"
    return 201, {"status": status, "chargeId": f"ch-{order}", "amount": body.get("amount")}


def shipping(request):
    body = request.body or {}
    if request.path != "/shipments":
        return 404, {"message": "no such route"}
    return 201, {"trackingNumber": f"TRK-{body.get('orderId')}", "address": body.get("address")}


if __name__ == "__main__":
    run({"inventory": (9101, inventory), "payment": (9102, payment), "shipping": (9103, shipping)})
