"""The rows that belong to an inspection, found through the model graph, and their JSON.

See `archive.services` for what belongs to an inspection and why.
"""

import datetime
import json
from collections import defaultdict

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import models

from findings.models import Inspection, Membership

from .errors import ArchiveError

ARCHIVED_APPS = ("findings", "sheets", "ledger", "reports")
# Referenced rows are followed backwards only along these foreign keys (model, field):
# the people of the inspected unit come with it, its other inspections do not.
FOLLOW_FROM_REFERENCED = {(Membership, "organisation")}
CHUNK = 500


def archived_models():
    """Every concrete model of the archived apps, historical ones included."""
    return [
        model
        for label in ARCHIVED_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and model._meta.managed
    ]


def history_of(model):
    """The model whose history `model` records (simple-history), or None."""
    base = getattr(model, "instance_type", None)
    if isinstance(base, type) and issubclass(base, models.Model):
        return base._meta.concrete_model
    return None


def foreign_keys(model):
    return [f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]


def label(model):
    return model._meta.label_lower


def dependency_order(models_):
    """Models so that each comes after the models its foreign keys point at (ties by label)."""
    remaining = sorted(models_, key=label)
    targets = {
        m: {f.related_model._meta.concrete_model for f in foreign_keys(m)} & set(remaining) - {m}
        for m in remaining
    }
    ordered = []
    while remaining:
        ready = [m for m in remaining if not targets[m] - set(ordered)]
        # A cycle of foreign keys: the constraints are deferred, any order loads.
        batch = ready[:1] or remaining[:1]
        ordered += batch
        remaining.remove(batch[0])
    return ordered


# --- Collecting the rows -------------------------------------------------------------------


class _Collector:
    """Finds the rows that belong to an inspection; see the module docstring."""

    def __init__(self, models_):
        self.models = models_
        self.archived = set(models_)
        self.rows = {model: {} for model in models_}
        self.keys = {"owned": defaultdict(set), "referenced": defaultdict(set)}
        self.new = {"owned": defaultdict(set), "referenced": defaultdict(set)}
        for model in models_:
            for f in foreign_keys(model):
                if f.target_field != f.related_model._meta.pk:
                    raise ArchiveError(
                        f"{label(model)}.{f.name} points at {f.target_field.name}, not at a "
                        "primary key: the archive cannot follow it."
                    )

    def add_key(self, kind, model, pk):
        if pk is None or pk in self.keys["owned"][model]:
            return
        if kind == "referenced" and pk in self.keys["referenced"][model]:
            return
        self.keys[kind][model].add(pk)
        self.new[kind][model].add(pk)

    def collect(self, inspection):
        self.add_key("owned", Inspection, inspection.pk)
        while any(self.new[kind] for kind in self.new):
            new, self.new = self.new, {"owned": defaultdict(set), "referenced": defaultdict(set)}
            for model in self.models:
                for kind in ("owned", "referenced"):
                    for lookup, keys in self._lookups(model, kind, new[kind]):
                        for chunk in chunks(sorted(keys)):
                            rows = model._base_manager.filter(**{lookup: chunk}).order_by()
                            for obj in rows.prefetch_related(*self._m2m(model)):
                                self._take(model, obj, kind)
        return self.rows

    def _m2m(self, model):
        """Many-to-many fields into the archive (a finding's co-responsible), fetched
        with their rows so that serialising them costs no query per row."""
        return [
            f.name
            for f in model._meta.many_to_many
            if f.remote_field.model._meta.concrete_model in self.models
        ]

    def _lookups(self, model, kind, new):
        base = history_of(model)
        missing = {pk for pk in new.get(model, ()) if pk not in self.rows[model]}
        if missing:
            yield "pk__in", missing
        if base is not None and new.get(base):
            yield f"{base._meta.pk.attname}__in", new[base]
        for f in foreign_keys(model):
            target = f.related_model._meta.concrete_model
            if not new.get(target):
                continue
            if kind == "owned" or ((base or model), f.name) in FOLLOW_FROM_REFERENCED:
                yield f"{f.attname}__in", new[target]

    def _take(self, model, obj, kind):
        self.add_key(kind, model, obj.pk)
        base = history_of(model)
        if base is not None:
            self.add_key(kind, base, getattr(obj, base._meta.pk.attname))
        if obj.pk in self.rows[model]:
            return
        self.rows[model][obj.pk] = obj
        for f in foreign_keys(model):
            target = f.related_model._meta.concrete_model
            if target in self.archived:
                self.add_key("referenced", target, getattr(obj, f.attname))


def chunks(items):
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def collect(inspection):
    """[(model, [rows by pk])] of everything that belongs to `inspection`, in load order."""
    rows = _Collector(archived_models()).collect(inspection)
    return [
        (model, [rows[model][pk] for pk in sorted(rows[model])])
        for model in dependency_order([m for m in rows if rows[m]])
    ]


# --- Serialising -----------------------------------------------------------------------------


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder without its rounding of datetimes to milliseconds: nothing is lost."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class _Serializer(PythonSerializer):
    """Foreign keys into the archive by primary key, to other tables by natural key.

    Many-to-many relations to models outside the archive (a user's auth groups and
    permissions) are site administration and stay out.
    """

    def __init__(self, archived):
        self.archived = archived

    def _inside(self, field):
        return field.remote_field.model._meta.concrete_model in self.archived

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = not self._inside(field)
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        if self._inside(field):
            self.use_natural_foreign_keys = False
            super().handle_m2m_field(obj, field)


def serialize(collected):
    archived = set(archived_models())
    objects = []
    for _model, rows in collected:
        objects += _Serializer(archived).serialize(rows)
    return (json.dumps(objects, cls=_Encoder, ensure_ascii=False, indent=1) + "\n").encode()
