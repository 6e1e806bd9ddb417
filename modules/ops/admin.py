from django.contrib import admin
from unfold.admin import ModelAdmin

from modules.ops.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ModelAdmin):
    list_display = ("worker", "beat_at", "beats")
    ordering = ("-beat_at",)
    readonly_fields = ("worker", "beat_at", "beats")

    def has_add_permission(self, request):
        return False
