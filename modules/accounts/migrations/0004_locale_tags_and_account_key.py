"""`locale` holds a BCP 47 tag; every account gets a public `account_key` (existing accounts included)."""

from django.db import migrations, models

import modules.accounts.models


def fill_account_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    batch = []
    for user in User.objects.filter(account_key__isnull=True).only("id").iterator(chunk_size=2000):
        user.account_key = modules.accounts.models.new_account_key()
        batch.append(user)
        if len(batch) == 2000:
            User.objects.bulk_update(batch, ["account_key"])
            batch.clear()
    if batch:
        User.objects.bulk_update(batch, ["account_key"])


def locales_to_languages(apps, schema_editor):
    # Going back: the former column held only a served language code.
    User = apps.get_model("accounts", "User")
    for code in ("en", "ru", "ka"):
        User.objects.filter(locale__iregex=rf"^{code}([-_]|$)").exclude(locale=code).update(locale=code)
    User.objects.exclude(locale__in=["en", "ru", "ka"]).update(locale="en")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_inactive_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="locale",
            field=models.CharField(
                default="en",
                help_text="BCP 47 tag the person's device reports (en-US, ka-GE …); see accounts/locales.py.",
                max_length=64,
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, locales_to_languages, elidable=False),
        # Added empty, filled one random key per row, then made required and unique (a column default would be
        # evaluated once and give every existing account the same key).
        migrations.AddField(
            model_name="user",
            name="account_key",
            field=models.CharField(max_length=31, null=True, editable=False),
        ),
        migrations.RunPython(fill_account_keys, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="user",
            name="account_key",
            field=models.CharField(
                default=modules.accounts.models.new_account_key,
                editable=False,
                help_text="Public, stable, non-guessable key of the person's account (the coin receiver id).",
                max_length=31,
                unique=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("locale__regex", "^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")),
                name="user_locale_format",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("language__in", ["en", "ru", "ka"])), name="user_language_served"
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("account_key__regex", "^acct_[0-9a-hjkmnp-tv-z]{26}$")),
                name="user_account_key_format",
            ),
        ),
    ]
