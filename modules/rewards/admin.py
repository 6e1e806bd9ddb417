"""Staff admin for the rewards ledger. Nothing here edits history: every action goes through the services,
which append events, revenue lines and payout transitions."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action, display

from modules.core.public import ApiError
from modules.rewards import selectors, services
from modules.rewards.ledger import adjustment_append, revenue_append
from modules.rewards.models import (
    Contributor,
    Dispute,
    DisputeStatus,
    GithubLinkClaim,
    LinkStatus,
    Payout,
    PayoutStatus,
    PayoutTransition,
    RevenueEntry,
    RewardEvent,
    RewardRules,
    Snapshot,
    SnapshotLine,
)


class ReadOnlyAdmin(ModelAdmin):
    """History is never edited in the admin: no add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _form_page(model_admin, request, title: str, form, obj=None):
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "object": obj,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/rewards/action_form.html", context)


@admin.register(Contributor)
class ContributorAdmin(ModelAdmin):
    list_display = ("github_login", "display_name", "user", "public", "linked_at")
    list_filter = ("public",)
    search_fields = ("github_login", "display_name", "user__email", "user__handle")
    readonly_fields = ("user", "github_login", "linked_at")
    fields = ("user", "github_login", "display_name", "public", "linked_at")

    def has_add_permission(self, request):
        return False  # contributors are created by verifying a link claim

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GithubLinkClaim)
class GithubLinkClaimAdmin(ReadOnlyAdmin):
    list_display = ("github_login", "user", "status", "created_at", "verified_at", "verified_via")
    list_filter = ("status",)
    search_fields = ("github_login", "user__email", "user__handle")
    actions = ["verify_claims"]

    @action(description="Verify the selected claims (identity checked by staff)")
    def verify_claims(self, request, queryset):
        for claim in queryset.filter(status=LinkStatus.PENDING):
            try:
                services.link_claim_verify(claim=claim, proof=f"staff: {request.user.email}")
                self.message_user(request, f"@{claim.github_login} linked to user {claim.user_id}.")
            except ApiError as exc:
                self.message_user(request, f"@{claim.github_login}: {exc.detail}", messages.ERROR)


@admin.register(RewardRules)
class RewardRulesAdmin(ReadOnlyAdmin):
    list_display = ("version", "activated_at", "description")
    readonly_fields = ("version", "activated_at", "description", "config", "created_at")


class AdjustmentForm(forms.Form):
    points = forms.IntegerField(help_text="Points to add (negative to remove). The original event stays as it is.")
    reason = forms.CharField(widget=forms.Textarea, min_length=5, help_text="Public: shown next to the adjustment.")
    period = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        help_text="YYYY-MM of an open month (default: the current open month).",
    )


@admin.register(RewardEvent)
class RewardEventAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "points",
        "github_login",
        "period",
        "occurred_at",
        "rules",
        "flags_display",
        "source_link",
    )
    list_filter = (("kind", ChoicesDropdownFilter), "period", "rules")
    list_filter_submit = True
    search_fields = ("github_login", "idempotency_key", "source_url")
    ordering = ("-id",)
    readonly_fields = [f.name for f in RewardEvent._meta.fields]
    actions = ["add_adjustment"]

    @display(description="flags")
    def flags_display(self, obj):
        return ", ".join(obj.flags)

    @display(description="source")
    def source_link(self, obj):
        return (
            format_html(
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                obj.source_url,
                obj.source_url.rsplit("/", 2)[-2:][-1],
            )
            if obj.source_url
            else ""
        )

    @action(description="Add an adjustment to the selected event (requires a reason)")
    def add_adjustment(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one event to adjust.", messages.WARNING)
            return None
        return redirect(reverse("admin:rewards_rewardevent_adjust", args=[queryset.get().id]))

    def get_urls(self):
        return [
            path(
                "<int:event_id>/adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="rewards_rewardevent_adjust",
            ),
            *super().get_urls(),
        ]

    def adjust_view(self, request, event_id: int):
        event = get_object_or_404(RewardEvent, id=event_id)
        form = AdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                adjustment = adjustment_append(
                    corrects=event,
                    points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"],
                    recorded_by_id=request.user.id,
                    period=form.cleaned_data["period"] or None,
                )
            except ApiError as exc:
                form.add_error(None, exc.detail)
            else:
                self.message_user(request, f"Recorded adjustment {adjustment.points:+d} in {adjustment.period}.")
                return redirect(reverse("admin:rewards_rewardevent_changelist"))
        return _form_page(self, request, f"Adjust event {event.id} ({event})", form, event)


class RevenueEntryForm(forms.ModelForm):
    class Meta:
        model = RevenueEntry
        fields = ("period", "kind", "amount_cents", "currency", "source", "reference", "note")


@admin.register(RevenueEntry)
class RevenueEntryAdmin(ModelAdmin):
    form = RevenueEntryForm
    list_display = ("period", "kind", "amount", "currency", "source", "reference", "entered_by", "created_at")
    list_filter = ("period", "kind", "source")
    search_fields = ("reference", "note", "source")
    ordering = ("-period", "-id")

    @display(description="amount")
    def amount(self, obj):
        return f"{obj.amount_cents / 100:,.2f}"

    def has_change_permission(self, request, obj=None):
        return obj is None  # the add form only; lines are never edited

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        entry, _ = revenue_append(
            period=obj.period,
            kind=obj.kind,
            amount_cents=obj.amount_cents,
            currency=obj.currency,
            source=obj.source,
            reference=obj.reference,
            note=obj.note,
            entered_by_id=request.user.id,
        )
        obj.pk = entry.pk


class SnapshotLineInline(TabularInline):
    model = SnapshotLine
    extra = 0
    can_delete = False
    fields = ("github_login", "points", "share_cents", "carry_in_cents", "payout_cents", "carry_out_cents")
    readonly_fields = fields
    ordering = ("-payout_cents", "github_login")
    per_page = 50

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ("period", "revision", "state", "pool", "total_points", "event_count", "payable", "computed_at")
    list_filter = ("state",)
    ordering = ("-period", "-revision")
    inlines = [SnapshotLineInline]
    readonly_fields = [f.name for f in Snapshot._meta.fields]
    change_form_after_template = "admin/rewards/snapshot_chart.html"
    list_before_template = "admin/rewards/pool_history.html"

    @display(description="pool")
    def pool(self, obj):
        return f"{obj.pool_cents / 100:,.2f} {obj.currency}"

    @display(description="payable")
    def payable(self, obj):
        return f"{obj.payable_cents / 100:,.2f}"

    def changelist_view(self, request, extra_context=None):
        history = list(reversed(selectors.pool_history()))
        chart = {
            "labels": [s.period for s in history],
            "datasets": [
                {"label": "Pool (USD)", "data": [s.pool_cents / 100 for s in history]},
                {"label": "Paid out (USD)", "data": [s.payable_cents / 100 for s in history]},
            ],
        }
        return super().changelist_view(request, {**(extra_context or {}), "pool_chart": json.dumps(chart)})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        snapshot = get_object_or_404(Snapshot, pk=object_id)
        top = list(snapshot.lines.order_by("-points", "github_login")[:30])
        chart = {
            "labels": [f"@{line.github_login}" for line in top],
            "datasets": [{"label": "Points", "data": [line.points for line in top]}],
        }
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "points_chart": json.dumps(chart)}
        )


class PayoutTransitionInline(TabularInline):
    model = PayoutTransition
    extra = 0
    can_delete = False
    fields = ("from_status", "to_status", "at", "by", "external_reference", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class PayoutTransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=PayoutStatus.choices)
    external_reference = forms.CharField(required=False, max_length=200, help_text="Bank or processor reference.")
    note = forms.CharField(required=False, widget=forms.Textarea)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("github_login", "period", "amount", "currency", "status", "created_at")
    list_filter = ("status", "snapshot__period")
    search_fields = ("github_login",)
    readonly_fields = ("snapshot", "github_login", "amount_cents", "currency", "status", "created_at")
    inlines = [PayoutTransitionInline]
    actions = ["change_status"]

    @display(description="period")
    def period(self, obj):
        return obj.snapshot.period

    @display(description="amount")
    def amount(self, obj):
        return f"{obj.amount_cents / 100:,.2f}"

    @action(description="Record a status change for the selected payout")
    def change_status(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one payout.", messages.WARNING)
            return None
        return redirect(reverse("admin:rewards_payout_transition", args=[queryset.get().id]))

    def get_urls(self):
        return [
            path(
                "<int:payout_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="rewards_payout_transition",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, payout_id: int):
        payout = get_object_or_404(Payout, id=payout_id)
        form = PayoutTransitionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.payout_transition(
                    payout_id=payout.id,
                    to_status=form.cleaned_data["to_status"],
                    by_id=request.user.id,
                    external_reference=form.cleaned_data["external_reference"],
                    note=form.cleaned_data["note"],
                )
            except ApiError as exc:
                form.add_error(None, exc.detail)
            else:
                self.message_user(request, f"Payout {payout.id} is now {form.cleaned_data['to_status']}.")
                return redirect(reverse("admin:rewards_payout_change", args=[payout.id]))
        return _form_page(self, request, f"Payout {payout}", form, payout)


class DisputeResolutionForm(forms.Form):
    accepted = forms.BooleanField(required=False, help_text="Accept the dispute (recomputes the month).")
    resolution = forms.CharField(widget=forms.Textarea, min_length=5, help_text="Public explanation.")
    event = forms.ModelChoiceField(
        queryset=RewardEvent.objects.none(), required=False, help_text="The event to adjust, when accepting."
    )
    points = forms.IntegerField(required=False, help_text="Points to add to that event (negative to remove).")

    def __init__(self, *args, period: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = RewardEvent.objects.filter(period=period).order_by("-id")


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("id", "period", "kind", "user", "status", "created_at", "resolved_at")
    list_filter = ("status", "kind", "period")
    search_fields = ("description", "user__email", "user__handle")
    readonly_fields = [f.name for f in Dispute._meta.fields]
    actions = ["resolve"]

    @action(description="Resolve the selected dispute")
    def resolve(self, request, queryset):
        if queryset.count() != 1 or queryset.get().status != DisputeStatus.OPEN:
            self.message_user(request, "Select exactly one open dispute.", messages.WARNING)
            return None
        return redirect(reverse("admin:rewards_dispute_resolve", args=[queryset.get().id]))

    def get_urls(self):
        return [
            path(
                "<int:dispute_id>/resolve/",
                self.admin_site.admin_view(self.resolve_view),
                name="rewards_dispute_resolve",
            ),
            *super().get_urls(),
        ]

    def resolve_view(self, request, dispute_id: int):
        dispute = get_object_or_404(Dispute, id=dispute_id)
        form = DisputeResolutionForm(request.POST or None, period=dispute.period)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            adjustments = (
                [(data["event"], data["points"])] if data["accepted"] and data["event"] and data["points"] else []
            )
            try:
                services.dispute_resolve(
                    dispute_id=dispute.id,
                    by_id=request.user.id,
                    resolution=data["resolution"],
                    accepted=data["accepted"],
                    adjustments=adjustments,
                )
            except ApiError as exc:
                form.add_error(None, exc.detail)
            else:
                self.message_user(request, f"Dispute {dispute.id} resolved.")
                return redirect(reverse("admin:rewards_dispute_changelist"))
        return _form_page(self, request, f"Resolve dispute {dispute.id}: {dispute.description[:60]}", form, dispute)
