"""Capture jobs keep the bytes received instead of a jsonb copy of the document."""

import json

from django.db import migrations, models


def document_to_body(apps, schema_editor):
    CaptureJob = apps.get_model("trace", "CaptureJob")
    for job in CaptureJob.objects.exclude(document=None).only("pk", "document").iterator(chunk_size=100):
        CaptureJob.objects.filter(pk=job.pk).update(
            body=json.dumps(job.document, ensure_ascii=False).encode("utf-8")
        )


def body_to_document(apps, schema_editor):
    CaptureJob = apps.get_model("trace", "CaptureJob")
    for job in CaptureJob.objects.exclude(body=None).only("pk", "body").iterator(chunk_size=100):
        CaptureJob.objects.filter(pk=job.pk).update(document=json.loads(bytes(job.body)))


class Migration(migrations.Migration):
    dependencies = [("trace", "0003_epcis")]

    operations = [
        migrations.AddField(
            model_name="capturejob",
            name="body",
            field=models.BinaryField(blank=True, null=True, verbose_name="document received"),
        ),
        migrations.RunPython(document_to_body, body_to_document),
        migrations.RemoveField(model_name="capturejob", name="document"),
    ]
