"""The set of levels an incident has reached (a regulator sees an incident once it has
reached its level; a level skipped by 越级上报 does not), with the existing rows filled in."""

from django.db import migrations, models

LEVELS = ["county", "city", "province", "national"]


def fill_reached(apps, schema_editor):
    """Every level up to the one held, as visibility used to read, then the rows whose timeline
    shows a skip (a pass-up over a level, or a first level above the county: a defect sent to the
    province, a case a higher regulator opened) get exactly the levels their timeline reached."""
    Incident = apps.get_model("incidents", "Incident")
    Timeline = apps.get_model("incidents", "IncidentTimeline")
    for rank, level in enumerate(LEVELS):
        Incident.objects.filter(level_rank__gte=rank).update(**{f"reached_{level}": True})
    skipped = set(
        Timeline.objects.filter(action="reported_up", data__skipped=True).values_list(
            "incident_id", flat=True
        )
    )
    skipped |= set(
        Timeline.objects.filter(action__in=["reported", "opened"])
        .exclude(data__level="county")
        .values_list("incident_id", flat=True)
    )
    for incident_id in sorted(skipped):
        reached = set()
        rows = Timeline.objects.filter(
            incident_id=incident_id, action__in=["reported", "opened", "reported_up", "escalated"]
        ).order_by("at", "id")
        for row in rows:
            reached.add(row.data.get("level") if row.action in ("reported", "opened") else row.data.get("to"))
        Incident.objects.filter(pk=incident_id).update(
            **{f"reached_{level}": level in reached for level in LEVELS}
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_timeline_append_only")]

    operations = [
        *(
            migrations.AddField(
                model_name="incident",
                name=f"reached_{level}",
                field=models.BooleanField(
                    default=False, verbose_name=f"reached the {level} level"
                ),
            )
            for level in LEVELS
        ),
        migrations.RunPython(fill_reached, migrations.RunPython.noop),
    ]
