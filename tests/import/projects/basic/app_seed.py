"""Reference data shared by the application and its migrations."""
import datetime
from decimal import Decimal

PLAN_ROWS = [
    {"code": "free", "title": "Free", "price": Decimal("0.00"), "active": True,
     "starts_on": datetime.date(2024, 1, 1), "notes": None},
    {"code": "pro", "title": "Pro — Zürich edition", "price": Decimal("19.90"), "active": True,
     "starts_on": datetime.date(2024, 2, 29), "notes": "most popular; 50% of sign-ups"},
    {"code": "team", "title": "Équipe 团队", "price": Decimal("1234.56"), "active": False,
     "starts_on": None, "notes": "it's \"legacy\", don't sell"},
]

USER_ROWS = [
    {"email": "ada@example.com", "name": "Ada Lovelace", "is_active": True,
     "created_at": datetime.datetime(2024, 1, 2, 3, 4, 5)},
    {"email": "bob@example.com", "name": None, "is_active": False,
     "created_at": datetime.datetime(2024, 6, 30, 23, 59, 59)},
    {"email": "chloé@example.com", "name": "Chloé O'Hara", "is_active": True,
     "created_at": datetime.datetime(2025, 12, 31, 0, 0, 0)},
]
