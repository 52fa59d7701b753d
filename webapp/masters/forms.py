"""The master-data forms (Flask-WTF): what staff type, checked field by field, turned into domain objects.

Text fields in the staff syntax (opening hours, ``8:30-17:15`` hours,
``月-金`` weekdays) are read with the grammar the CSV import reads cells with
(`scheduler.io.staff_text.parse_cell`), so a form and a CSV cell accept and
refuse the same text with the same message. Each form's ``to_*`` builds the
domain object; a `DomainError` it raises names the field, and the view puts
the message beside that field (`field_for`).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from routing.errors import InputError
from scheduler.accounts import Role, User
from scheduler.domain import (
    SHIFT_EXCEPTION_REASONS,
    Service,
    ShiftException,
    Site,
    SiteKind,
    Skill,
    Vehicle,
    hhmm,
)
from scheduler.io.csv_tables import TABLES
from scheduler.io.staff_text import format_opening_hours, parse_cell
from webapp.i18n import EXCEPTION_WORDS, N_
from webapp.messages import message

__all__ = ["ImportForm", "ServiceForm", "ShiftExceptionForm", "SiteForm", "UserForm", "VehicleForm",
           "field_for"]

#: The message of an empty required field (labels and messages are lazy: translated when shown).
_REQUIRED = lazy_gettext("入力してください")
#: Staff words of the codes the forms offer (marked with N_, translated where shown).
SITE_KIND_WORDS = {"community_hall": N_("公民館・集会所"), "branch_office": N_("支所"), "shop": N_("店舗"),
                   "pharmacy": N_("薬局"), "clinic": N_("診療所"), "depot": N_("車庫")}
SKILL_WORDS = {"office_terminal": N_("行政端末"), "cool_box": N_("保冷ボックス"), "wheelchair": N_("車椅子スペース")}
REASON_WORDS = EXCEPTION_WORDS
ROLE_WORDS = {"admin": N_("管理者"), "dispatcher": N_("配車担当"), "operator": N_("オペレーター"), "driver": N_("運転手・職員")}
TABLE_WORDS = {"residents": N_("住民"), "sites": N_("拠点"), "vehicles": N_("車両"), "requests": N_("依頼"),
               "session_bookings": N_("巡回の予約")}
WEEKDAY_WORDS = (N_("月"), N_("火"), N_("水"), N_("木"), N_("金"), N_("土"), N_("日"))


def _choices(words: dict[str, str]) -> list[tuple[str, str]]:
    return [(code, _(text)) for code, text in words.items()]


class _Checkboxes(SelectMultipleField):
    """Several choices as check boxes (keyboard-friendly, no script)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _parsed(kind: str):
    """A validator: the field's text must read with the importer's parser of `kind`."""

    def check(form, field) -> None:
        if field.data and field.data.strip():
            try:
                parse_cell(kind, field.data.strip())
            except ValueError as exc:  # an InputError worded in the screen's language
                raise ValidationError(message(exc) if isinstance(exc, InputError) else str(exc)) from None

    return check


def _external_id(value: str | None) -> str | None:
    return (value or "").strip() or None


class SiteForm(FlaskForm):
    """A site (拠点): name, kind, address, opening hours, position placed on the map."""

    external_id = StringField(lazy_gettext("市のID"), validators=[Optional()])
    name = StringField(lazy_gettext("名称"), validators=[InputRequired(_REQUIRED)])
    kind = SelectField(lazy_gettext("種別"))
    address = StringField(lazy_gettext("住所"), validators=[Optional()])
    opening_hours = StringField(lazy_gettext("営業時間"), validators=[Optional(), _parsed("opening_hours")],
                                description=lazy_gettext("例: 月-金 9:00-12:30,14:00-18:00; 土 9:00-12:00; 日 休み"))
    lat = FloatField(lazy_gettext("緯度"), validators=[InputRequired(lazy_gettext("地図をクリックして位置を決めてください"))])
    lon = FloatField(lazy_gettext("経度"), validators=[InputRequired(lazy_gettext("地図をクリックして位置を決めてください"))])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices(SITE_KIND_WORDS)

    def fill(self, site: Site) -> None:
        """Show a stored site (opening hours written back in the staff syntax)."""
        self.process(data={"external_id": site.external_id or "", "name": site.name, "kind": site.kind.value,
                           "address": site.address, "opening_hours": format_opening_hours(site.opening_hours),
                           "lat": site.lat, "lon": site.lon})

    def to_site(self, id: int | None) -> Site:
        """Return the site the form describes (`DomainError` names a field)."""
        text = (self.opening_hours.data or "").strip()
        hours = parse_cell("opening_hours", text) if text else {}
        return Site(name=self.name.data.strip(), kind=SiteKind(self.kind.data), lat=self.lat.data,
                    lon=self.lon.data, address=(self.address.data or "").strip(), opening_hours=hours,
                    external_id=_external_id(self.external_id.data), id=id)


def _hhmm_span(seconds: tuple[int, int]) -> str:
    return f"{hhmm(seconds[0])}-{hhmm(seconds[1])}"


class VehicleForm(FlaskForm):
    """A vehicle (車両): seats, boxes, equipment, depot, working hours, lunch, workdays."""

    external_id = StringField(lazy_gettext("市のID"), validators=[Optional()])
    name = StringField(lazy_gettext("名称"), validators=[InputRequired(_REQUIRED)])
    seats = IntegerField(lazy_gettext("座席数"), default=0, validators=[InputRequired(_REQUIRED), NumberRange(min=0)])
    boxes = IntegerField(lazy_gettext("荷物の箱数"), default=0, validators=[InputRequired(_REQUIRED), NumberRange(min=0)])
    skills = _Checkboxes(lazy_gettext("装備"))
    depot_site_id = SelectField(lazy_gettext("車庫（出発・帰着）"), coerce=int)
    work_hours = StringField(lazy_gettext("勤務時間"), default="8:30-17:15",
                             validators=[InputRequired(_REQUIRED), _parsed("span")],
                             description=lazy_gettext("例: 8:30-17:15"))
    lunch_window = StringField(lazy_gettext("昼休憩の時間帯"), default="11:30-13:30",
                               validators=[InputRequired(_REQUIRED), _parsed("span")],
                               description=lazy_gettext("例: 11:30-13:30"))
    lunch_minutes = IntegerField(lazy_gettext("昼休憩（分）"), default=60,
                                 validators=[InputRequired(_REQUIRED), NumberRange(min=0, max=240)])
    workdays = _Checkboxes(lazy_gettext("運行する曜日"), coerce=int, default=[0, 1, 2, 3, 4])
    cost_per_hour = IntegerField(lazy_gettext("1時間あたりの費用（円）"), default=3600,
                                 validators=[InputRequired(_REQUIRED), NumberRange(min=0)])
    active = BooleanField(lazy_gettext("使用中"), default=True)

    def __init__(self, *args, sites=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.skills.choices = _choices(SKILL_WORDS)
        self.workdays.choices = [(i, _(w)) for i, w in enumerate(WEEKDAY_WORDS)]
        self.depot_site_id.choices = [(s.id, f"{s.name}" + (f" ({s.external_id})" if s.external_id else ""))
                                      for s in sites]

    def fill(self, v: Vehicle) -> None:
        """Show a stored vehicle."""
        self.process(data={"external_id": v.external_id or "", "name": v.name, "depot_site_id": v.depot_site_id,
                           "seats": v.capacity.get("seats", 0), "boxes": v.capacity.get("boxes", 0),
                           "skills": [s.value for s in v.skills], "workdays": list(v.workdays),
                           "work_hours": _hhmm_span((v.work_start_s, v.work_end_s)),
                           "lunch_window": _hhmm_span((v.lunch_earliest_s, v.lunch_latest_end_s)),
                           "lunch_minutes": v.lunch_s // 60, "cost_per_hour": v.cost_per_hour, "active": v.active})

    def to_vehicle(self, old: Vehicle | None) -> Vehicle:
        """Return the vehicle the form describes; fields the form does not show keep their stored values."""
        work = parse_cell("span", self.work_hours.data.strip())
        lunch = parse_cell("span", self.lunch_window.data.strip())
        return Vehicle(name=self.name.data.strip(), depot_site_id=self.depot_site_id.data,
                       capacity={"seats": self.seats.data, "boxes": self.boxes.data},
                       skills=tuple(Skill(s) for s in self.skills.data), cost_per_hour=self.cost_per_hour.data,
                       fixed_cost=old.fixed_cost if old else 0, work_start_s=work[0], work_end_s=work[1],
                       lunch_earliest_s=lunch[0], lunch_latest_end_s=lunch[1], lunch_s=self.lunch_minutes.data * 60,
                       workdays=tuple(sorted(self.workdays.data)), active=self.active.data,
                       external_id=_external_id(self.external_id.data), id=old.id if old else None)


class ShiftExceptionForm(FlaskForm):
    """A vehicle off on a date (運休), or an extra duty day (臨時運行)."""

    vehicle_id = SelectField(lazy_gettext("車両"), coerce=int)
    day = DateField(lazy_gettext("日付"), validators=[InputRequired(_REQUIRED)])
    reason = SelectField(lazy_gettext("種類"), default="maintenance")
    hours = StringField(lazy_gettext("時間帯（空欄は終日）"), validators=[Optional(), _parsed("span")],
                        description=lazy_gettext("例: 8:30-12:00"))
    note = StringField(lazy_gettext("メモ"), validators=[Optional()])

    def __init__(self, *args, vehicles=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.vehicle_id.choices = [(v.id, v.name) for v in vehicles]
        self.reason.choices = [(r, _(REASON_WORDS[r])) for r in SHIFT_EXCEPTION_REASONS]

    def to_exception(self) -> ShiftException:
        """Return the exception the form describes."""
        text = (self.hours.data or "").strip()
        start, end = parse_cell("span", text) if text else (None, None)
        return ShiftException(vehicle_id=self.vehicle_id.data, day=self.day.data, reason=self.reason.data,
                              start_s=start, end_s=end, note=(self.note.data or "").strip())


class ServiceForm(FlaskForm):
    """An entry of the service catalogue (業務メニュー)."""

    code = StringField(lazy_gettext("コード"), validators=[InputRequired(_REQUIRED)],
                       description=lazy_gettext("例: residence_certificate"))
    name_ja = StringField(lazy_gettext("日本語名"), validators=[InputRequired(_REQUIRED)])
    name_en = StringField(lazy_gettext("英語名"), validators=[InputRequired(_REQUIRED)])
    duration_minutes = IntegerField(lazy_gettext("所要時間（分）"), validators=[InputRequired(_REQUIRED),
                                                           NumberRange(min=1, max=480)])
    skill = SelectField(lazy_gettext("必要な装備"), default="office_terminal")
    active = BooleanField(lazy_gettext("受付中"), default=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.skill.choices = [("", _("なし")), *_choices(SKILL_WORDS)]

    def fill(self, s: Service) -> None:
        """Show a stored service."""
        self.process(data={"code": s.code, "name_ja": s.name_ja, "name_en": s.name_en, "active": s.active,
                           "duration_minutes": s.duration_s // 60, "skill": s.skill.value if s.skill else ""})

    def to_service(self) -> Service:
        """Return the service the form describes."""
        return Service(code=self.code.data.strip(), name_ja=self.name_ja.data.strip(),
                       name_en=self.name_en.data.strip(), duration_s=self.duration_minutes.data * 60,
                       skill=Skill(self.skill.data) if self.skill.data else None, active=self.active.data)


class UserForm(FlaskForm):
    """A staff account: role, the vehicle of a driver, a new password (never shown)."""

    login = StringField(lazy_gettext("ログイン名"), validators=[InputRequired(_REQUIRED)])
    name = StringField(lazy_gettext("氏名"), validators=[Optional()])
    role = SelectField(lazy_gettext("役割"), default="operator")
    vehicle_id = SelectField(lazy_gettext("車両（運転手のみ）"),
                             coerce=lambda v: int(v) if v not in (None, "", "None") else None)
    password = PasswordField(lazy_gettext("新しいパスワード"), validators=[Optional()],
                             description=lazy_gettext("8文字以上。変更しないときは空欄"))
    active = BooleanField(lazy_gettext("有効"), default=True)

    def __init__(self, *args, vehicles=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = _choices(ROLE_WORDS)
        self.vehicle_id.choices = [(None, "—"), *((v.id, v.name) for v in vehicles)]

    def fill(self, u: User) -> None:
        """Show a stored account (never its password hash)."""
        self.process(data={"login": u.login, "name": u.name, "role": u.role.value, "vehicle_id": u.vehicle_id,
                           "active": u.active, "password": ""})

    def validate_password(self, field) -> None:
        if field.data and len(field.data) < 8:
            raise ValidationError(_("8文字以上にしてください"))

    def to_user(self, old: User | None, password_hash: str | None) -> User:
        """Return the account the form describes (the stored hash is kept when no new password is given)."""
        return User(login=self.login.data.strip(), role=Role(self.role.data), name=(self.name.data or "").strip(),
                    vehicle_id=self.vehicle_id.data, active=self.active.data,
                    password_hash=password_hash if password_hash is not None else (old.password_hash if old else ""),
                    created_at=old.created_at if old else None, id=old.id if old else None)


class ImportForm(FlaskForm):
    """A CSV file to import into one table (all rows or none)."""

    table = SelectField(lazy_gettext("取り込む内容"))
    file = FileField(lazy_gettext("CSVファイル"), validators=[FileRequired(lazy_gettext("ファイルを選んでください"))])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.table.choices = [(t, _(TABLE_WORDS[t])) for t in TABLES]


#: Domain field names (the start of a DomainError message) -> the form field showing them.
_FIELD_OF = {"capacity.seats": "seats", "capacity.boxes": "boxes", "work_": "work_hours",
             "lunch_latest_end_s": "lunch_window", "lunch_s": "lunch_minutes", "depot_site_id": "depot_site_id",
             "start_s": "hours", "end_s": "hours", "duration_s": "duration_minutes", "opening_hours": "opening_hours",
             "lat": "lat", "lon": "lon", "external_id": "external_id", "vehicle_id": "vehicle_id", "login": "login",
             "name": "name", "code": "code", "role": "role", "reason": "reason", "workdays": "workdays",
             "password": "password"}


def field_for(form: FlaskForm, message: str):
    """Return the form field a ``field: problem`` message is about (the first field when none matches)."""
    name = message.partition(":")[0].strip()
    for prefix, field_name in _FIELD_OF.items():
        if name.startswith(prefix) and field_name in form:
            return form[field_name]
    return next(f for f in form if f.name != "csrf_token")
