"""One module per page group, each with its ``urlpatterns`` (joined in ``workbench.urls``)."""
