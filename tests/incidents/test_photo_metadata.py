"""Photos keep no EXIF GPS wherever they are uploaded (issue 19 §15).

A phone writes where a photo was taken into its EXIF: for an incident photo that is the plant's
yard or a victim's home. Incident attachments (API and workbench form) and complaint photos go
through one function (``incidents.attachments.strip_image_metadata``) that re-encodes the pixels
and nothing else. The photos here are real JPEGs and PNGs made by Pillow carrying GPS tags."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, PngImagePlugin
from rest_framework.test import APIClient

from complaints import intake
from complaints.models import ComplaintPhoto
from incidents import attachments
from incidents.models import IncidentAttachment

from .conftest import report_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (34.0, 16.0, 30.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (117.0, 11.0, 5.0),
}


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.GPSInfo] = GPS
    return exif


def gps_jpeg(size=(64, 48), orientation: int = 1) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", exif=_exif(orientation))
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it has GPS
    return data


def gps_png() -> bytes:
    out = io.BytesIO()
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "taken at 34.2750N 117.1847E")
    Image.new("RGBA", (8, 6), (0, 90, 200, 255)).save(out, format="PNG", exif=_exif(), pnginfo=text)
    return out.getvalue()


def metadata(data: bytes) -> dict:
    """What a reader of the stored file can learn beyond the pixels."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        exif = image.getexif()
        return {
            "exif": dict(exif),
            "gps": dict(exif.get_ifd(ExifTags.IFD.GPSInfo)),
            "info": {k: v for k, v in image.info.items() if not k.startswith("jfif")},
            "size": image.size,
        }


def attach(persona, incident_id, name, data):
    return persona.client.post(
        f"{URL}{incident_id}/attachments/",
        {"file": SimpleUploadedFile(name, data)},
        format="multipart",
    )


def test_an_incident_photo_is_stored_and_served_without_its_gps(dairy, chain, batch, t0):
    incident_id = dairy.client.post(URL, report_body(batch, t0), format="json").json()["id"]
    response = attach(dairy, incident_id, "现场.jpg", gps_jpeg())
    assert response.status_code == 201, response.content
    stored = IncidentAttachment.objects.get()
    data = stored.file.read()
    assert metadata(data) == {"exif": {}, "gps": {}, "info": {}, "size": (64, 48)}
    assert b"PhoneMaker" not in data
    # The size and digest recorded are those of the file kept, not of the upload.
    assert stored.size == len(data) and response.json()["size"] == len(data)
    served = chain["county"].client.get(response.json()["download_url"])
    assert b"".join(served.streaming_content) == data


def test_a_png_loses_its_exif_and_text_chunks(dairy, batch, t0):
    incident_id = dairy.client.post(URL, report_body(batch, t0), format="json").json()["id"]
    assert attach(dairy, incident_id, "scan.png", gps_png()).status_code == 201
    found = metadata(IncidentAttachment.objects.get().file.read())
    assert found == {"exif": {}, "gps": {}, "info": {}, "size": (8, 6)}


def test_a_photo_turned_by_its_orientation_tag_is_stored_upright(dairy, batch, t0):
    """Orientation 6 (the phone held upright): the tag goes with the rest, so the pixels turn."""
    incident_id = dairy.client.post(URL, report_body(batch, t0), format="json").json()["id"]
    assert attach(dairy, incident_id, "p.jpg", gps_jpeg(orientation=6)).status_code == 201
    assert metadata(IncidentAttachment.objects.get().file.read())["size"] == (48, 64)


def test_a_disguised_or_damaged_photo_is_refused_and_nothing_stored(dairy, batch, t0):
    incident_id = dairy.client.post(URL, report_body(batch, t0), format="json").json()["id"]
    broken = gps_jpeg()[:200]  # the header and EXIF, no picture
    response = attach(dairy, incident_id, "p.jpg", broken)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert IncidentAttachment.objects.count() == 0


def test_an_incident_photo_over_the_pixel_limit_is_refused(dairy, batch, t0, settings):
    settings.INCIDENT_PHOTO_MAX_PIXELS = 1000
    incident_id = dairy.client.post(URL, report_body(batch, t0), format="json").json()["id"]
    response = attach(dairy, incident_id, "p.jpg", gps_jpeg())
    assert response.status_code == 400 and "image_too_large" in response.content.decode()
    assert IncidentAttachment.objects.count() == 0


def test_a_complaint_photo_is_stripped_by_the_same_function(batch, chain):
    response = APIClient().post(
        "/api/v1/public/complaints/",
        {
            "gtin": batch.gtin,
            "lot": batch.lot,
            "description": "喝了以后肚子疼",
            "injured": "true",
            "photos": [SimpleUploadedFile("x.jpg", gps_jpeg(), content_type="image/jpeg")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    photo = ComplaintPhoto.objects.get()
    assert metadata(photo.file.read()) == {"exif": {}, "gps": {}, "info": {}, "size": (64, 48)}
    # One function for every upload: the complaint intake calls the attachments' stripper.
    assert intake.strip_image_metadata is attachments.strip_image_metadata
