#!/usr/bin/env bash
# Development aid while the schema has never been released: rebuild migration 0001 from the tables.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f src/loyalka/storage/migrations/versions/0001_initial_schema.py /tmp/loyalka_autogen.db
.venv/bin/python - <<'PY'
from alembic import command
from loyalka.storage.database import alembic_config
command.revision(alembic_config("sqlite:////tmp/loyalka_autogen.db"), message="initial schema", autogenerate=True, rev_id="0001")
PY
f=src/loyalka/storage/migrations/versions/0001_initial_schema.py
sed -i 's/loyalka.storage.tables.UtcDateTime(timezone=True)/sa.DateTime(timezone=True)/g; /^import loyalka/d' "$f"
rm -f /tmp/loyalka_autogen.db
