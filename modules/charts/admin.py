"""Staff views of the charts module, for support: the imported place index and which charts exist.

Metadata only: a chart is computed from a person's birth data, which stays theirs (they see it through the API);
staff see that a chart exists, its input hash and when it was computed, never its placements or the birth data.
Everything is read-only: places change only by `manage.py charts_import_places`, charts only by their owner.
"""

from django.contrib import admin
from django.db.models.functions import Length
from unfold.admin import ModelAdmin

from modules.charts.models import NatalChartRow, Place


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Place)
class PlaceAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "country_code", "admin1_code", "population", "timezone", "latitude", "longitude")
    search_fields = ("name", "ascii_name")
    list_filter = ("country_code",)
    ordering = ("-population",)


@admin.register(NatalChartRow)
class NatalChartAdmin(ReadOnlyAdmin):
    list_display = ("user", "input_hash", "computed_at", "has_picture")
    fields = ("user", "input_hash", "computed_at")
    readonly_fields = fields
    ordering = ("-computed_at",)

    @admin.display(boolean=True, description="picture cached")
    def has_picture(self, row: NatalChartRow) -> bool:
        return row.svg_chars > 0

    def get_queryset(self, request):
        # Neither the chart nor its picture is loaded: only whether a picture is cached.
        return super().get_queryset(request).defer("chart", "svg").annotate(svg_chars=Length("svg"))
