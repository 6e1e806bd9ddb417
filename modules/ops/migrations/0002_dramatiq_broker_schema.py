"""Create the Dramatiq broker's tables (schema `dramatiq`) in the main database.

The broker's own DDL (from dramatiq-postgres) is idempotent and serialised on an
advisory lock. A deployment that points DRAMATIQ_BROKER_URL at another database
runs `dramatiq-postgres init --dsn ...` there instead.
"""

from django.db import migrations
from dramatiq_postgres import schema


def create_broker_schema(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        schema.init(cursor, schema="dramatiq", prefix="")


def drop_broker_schema(apps, schema_editor):
    schema_editor.execute("DROP SCHEMA IF EXISTS dramatiq CASCADE")


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_initial")]

    operations = [migrations.RunPython(create_broker_schema, drop_broker_schema)]
