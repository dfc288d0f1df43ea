from django.db import migrations

from core.workdays import seed_calendar_days


def forward(apps, schema_editor):
    seed_calendar_days(apps.get_model("api", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("api", "0002_outbox_calendar_webhooks")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
