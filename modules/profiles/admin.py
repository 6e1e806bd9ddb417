from django.contrib import admin
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter

from modules.profiles.models import CompatibilityProfile, PersonalProfile


@admin.register(PersonalProfile)
class PersonalProfileAdmin(ModelAdmin):
    list_display = (
        "user",
        "first_name",
        "last_name",
        "birth_date",
        "birth_city",
        "birth_country",
        "updated_at",
    )
    search_fields = ("user__email", "user__handle", "first_name", "last_name", "birth_city")
    list_filter = ("birth_country",)
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


@admin.register(CompatibilityProfile)
class CompatibilityProfileAdmin(ModelAdmin):
    list_display = ("user", "gender", "relationship_goal", "attachment_style", "updated_at")
    list_filter = (
        ("gender", ChoicesDropdownFilter),
        ("relationship_goal", ChoicesDropdownFilter),
        ("attachment_style", ChoicesDropdownFilter),
    )
    list_filter_submit = True
    search_fields = ("user__email", "user__handle")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
