"""The Map example's services: the catalog (9301) and the pricing service (9302).

- GET  /products?category=C   the catalog: {"products": [{"id", "name", "price"}, …]}
- POST /quotes                pricing: {product, discountPercent, position} -> a quote; it
                              takes 0.2 s and counts how many quotes run at once
- GET  /stats                 pricing: {"requests": n, "peak": most quotes at once}

Run it by hand with `python3 services.py` (default ports); run.sh uses --ports-file.
"""

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from servicekit import run  # noqa: E402

PRODUCTS = {
    "books": [
        {"id": f"book-{n}", "name": f"Book {n}", "price": 10.0 + n} for n in range(1, 9)
    ],
}

lock = threading.Lock()
stats = {"requests": 0, "running": 0, "peak": 0}


def catalog(request):
    if request.method == "GET" and request.path == "/products":
        products = PRODUCTS.get(request.query.get("category"))
        if products is None:
            return 404, {"message": "no such category"}
        return 200, {"products": products}
    return 404, {"message": "no such route"}


def pricing(request):
    if request.method == "GET" and request.path == "/stats":
        with lock:
            return 200, {"requests": stats["requests"], "peak": stats["peak"]}
    if request.method != "POST" or request.path != "/quotes":
        return 404, {"message": "no such route"}
    with lock:
        stats["requests"] += 1
        stats["running"] += 1
        stats["peak"] = max(stats["peak"], stats["running"])
    try:
        time.sleep(0.2)
        body = request.body or {}
        product = body.get("product", {})
        discount = body.get("discountPercent", 0)
        new_price = round(product.get("price", 0) * (100 - discount) / 100, 2)
        return 200, {"id": product.get("id"), "position": body.get("position"),
                     "oldPrice": product.get("price"), "newPrice": new_price}
    finally:
        with lock:
            stats["running"] -= 1


if __name__ == "__main__":
    run({"catalog": (9301, catalog), "pricing": (9302, pricing)})
