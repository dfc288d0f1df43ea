from django.db import migrations

from core.timeline import append_only_sql


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [append_only_sql("incidents_incidenttimeline")]
