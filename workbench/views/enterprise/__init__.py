"""Enterprise pages: products and lots (register a lot, labels, record events), report an
incident, start a recall or a drill, answer recall notices, what came of complaints."""

from django.urls import path

from . import complaints, incidents, lots, notices, recalls

urlpatterns = [
    path("lots/", lots.lots, name="lots"),
    path("lots/new/", lots.lot_new, name="lot-new"),
    path("lots/<int:pk>/", lots.lot, name="lot"),
    path("lots/<int:pk>/<slug:action>/", lots.lot_action, name="lot-action"),
    path(
        "enterprise/incidents/new/",
        incidents.incident_new,
        name="enterprise-incident-new",
    ),
    path("enterprise/recalls/new/", recalls.recall_new, name="enterprise-recall-new"),
    path(
        "enterprise/recalls/<int:pk>/scope/",
        recalls.recall_scope,
        name="enterprise-recall-scope",
    ),
    path(
        "enterprise/recalls/<int:pk>/acknowledge/",
        notices.notice_ack,
        name="enterprise-notice-ack",
    ),
    path("enterprise/drill/", recalls.drill, name="enterprise-drill"),
    path("enterprise/notices/", notices.notices, name="enterprise-notices"),
    path("enterprise/complaints/", notices.complaints, name="enterprise-complaints"),
    path(
        "enterprise/complaints/<int:pk>/",
        complaints.complaint_detail,
        name="enterprise-complaint",
    ),
    path(
        "enterprise/complaints/<int:pk>/do/<slug:action>/",
        complaints.complaint_action,
        name="enterprise-complaint-action",
    ),
]
