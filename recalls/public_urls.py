"""Pages at the site root: the recall notice and the consignee's acknowledgement page."""

from django.urls import path

from . import public_views

app_name = "recall-pages"

urlpatterns = [
    path("recalls/<str:number>/", public_views.recall_notice_page, name="notice"),
    path("recall-ack/<str:token>/", public_views.ack_page, name="ack"),
]
