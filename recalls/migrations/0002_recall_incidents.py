"""Linked incidents become a relation: the JSON list of ids is
carried over to the many-to-many (ids of incidents that no longer exist are dropped),
then removed."""

from django.db import migrations, models


def copy_links(apps, schema_editor):
    Recall = apps.get_model("recalls", "Recall")
    Incident = apps.get_model("incidents", "Incident")
    for recall in Recall.objects.exclude(linked_incidents=[]).only("pk", "linked_incidents").iterator():
        ids = [i for i in recall.linked_incidents if isinstance(i, int)]
        recall.incidents.set(Incident.objects.filter(pk__in=ids).values_list("pk", flat=True))


def copy_back(apps, schema_editor):
    Recall = apps.get_model("recalls", "Recall")
    for recall in Recall.objects.filter(incidents__isnull=False).distinct().iterator():
        recall.linked_incidents = sorted(recall.incidents.values_list("pk", flat=True))
        recall.save(update_fields=["linked_incidents"])


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0002_timeline_append_only"),
        ("recalls", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="recall",
            name="incidents",
            field=models.ManyToManyField(blank=True, related_name="recalls", to="incidents.incident",
                                         verbose_name="linked incidents"),
        ),
        migrations.RunPython(copy_links, copy_back),
        migrations.RemoveField(model_name="recall", name="linked_incidents"),
    ]
