#!/usr/bin/env bash
# Development aid: write migration REV (e.g. 0002) from the difference between the migrations before it and
# the tables, by Alembic's autogenerate on a scratch SQLite database. Review the file it writes: columns added
# to tables that hold rows need a server_default.
set -euo pipefail
cd "$(dirname "$0")/.."
rev="$1"; message="$2"
rm -f /tmp/loyalka_autogen.db src/loyalka/storage/migrations/versions/"${rev}"_*.py
.venv/bin/python - "$rev" "$message" <<'PY'
import sys
from alembic import command
from loyalka.storage.database import alembic_config
config = alembic_config("sqlite:////tmp/loyalka_autogen.db")
command.upgrade(config, "head")
command.revision(config, message=sys.argv[2], autogenerate=True, rev_id=sys.argv[1])
PY
f=$(ls src/loyalka/storage/migrations/versions/"${rev}"_*.py)
sed -i 's/loyalka.storage.tables.UtcDateTime(timezone=True)/sa.DateTime(timezone=True)/g; /^import loyalka/d' "$f"
rm -f /tmp/loyalka_autogen.db
echo "$f"
