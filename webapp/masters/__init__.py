"""Master data (マスタ管理): sites, vehicles, shift exceptions, the service catalogue, staff accounts, CSV import.

The dispatcher's and the admin's screens (staff accounts: admin only; see
`webapp.permissions`). Each form is checked field by field
(`webapp.masters.forms`); a value the domain or the store refuses comes back
as a message beside its field and nothing is written (every save is one
store call, one transaction). Every change is audited
(``audit.record("change", <subject>, [id])``); a residents' import audits
the residents it wrote. The CSV import runs the command line's importer
(`scheduler.io.csv_import.import_csv`): all rows or none, with the row-level
errors shown in a table.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import tempfile
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from routing.errors import InputError
from routing.graph import read_instance_info
from scheduler.accounts import AuditEntry, Role, account_key
from scheduler.io.csv_import import ENCODINGS, CsvError, import_csv
from webapp import audit, clock
from webapp.db import get_store, road_network
from webapp.masters.blueprint import bp
from webapp.masters.forms import (
    REASON_WORDS,
    ROLE_WORDS,
    SITE_KIND_WORDS,
    SKILL_WORDS,
    TABLE_WORDS,
    WEEKDAY_WORDS,
    ImportForm,
    ServiceForm,
    ShiftExceptionForm,
    SiteForm,
    UserForm,
    VehicleForm,
    field_for,
)
from webapp.messages import message, problem, row_problem
from webapp.vendor import LEAFLET_VERSION

WORDS = {"site_kind": SITE_KIND_WORDS, "skill": SKILL_WORDS, "reason": REASON_WORDS, "role": ROLE_WORDS,
         "table": TABLE_WORDS, "weekday": WEEKDAY_WORDS}


@bp.context_processor
def _words():
    return {"words": WORDS, "leaflet_version": LEAFLET_VERSION, "row_problem": row_problem}


def _save(form, make, write, subject: str):
    """Build the object and store it; a refused value goes beside its field. Return the stored object or None."""
    try:
        stored = write(make())
    except InputError as exc:  # DomainError, NotFound and StorageError included
        field = field_for(form, str(exc))
        field.errors = [*field.errors, problem(exc)]
        return None
    audit.record("change", subject, [stored.id])
    return stored


def _form_page(form, title: str, back: str, **extra):
    return render_template("masters/form.html", form=form, title=title, back=back, **extra), \
        400 if form.errors else 200


@bp.route("/")
def index():
    """The master-data menu with the count of each list."""
    store = get_store()
    counts = {"sites": len(store.sites.all()), "vehicles": len(store.vehicles.all()),
              "services": len(store.services.all())}
    return render_template("masters/index.html", counts=counts)


# ----------------------------------------------------------------------------- sites


def _has_roads() -> bool:
    return read_instance_info(current_app.instance_path) is not None


def _check_on_road(site):
    """Refuse a position farther from any road than the snap limit (the plan could not reach it)."""
    if _has_roads():
        network = road_network()
        far = network.off_road([("site", site.lat, site.lon)])
        if far:
            raise InputError.of("lat", "the point ({lat:.6f}, {lon:.6f}) is {distance:.0f} m from the nearest road "
                                       "(limit {limit:.0f} m); click on or near a road", lat=site.lat, lon=site.lon,
                                distance=far["site"], limit=network.snap_limit_m)
    return site


def _map_centre(site) -> tuple[float, float]:
    if site is not None:
        return site.lat, site.lon
    sites = get_store().sites.all()
    if sites:
        return sum(s.lat for s in sites) / len(sites), sum(s.lon for s in sites) / len(sites)
    if _has_roads():
        nodes = road_network().G.nodes(data=True)
        return (sum(d["y"] for _, d in nodes) / len(nodes), sum(d["x"] for _, d in nodes) / len(nodes))
    return 0.0, 0.0


@bp.route("/sites")
def sites():
    """The sites (拠点) with kind, city id, address and opening hours."""
    from scheduler.io.staff_text import format_opening_hours

    return render_template("masters/sites.html", sites=get_store().sites.all(), hours=format_opening_hours)


@bp.route("/sites/new", methods=["GET", "POST"], endpoint="site_new")
@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
def site_edit(site_id: int | None = None):
    """Add or edit a site; its position is clicked on the map and must be near a road."""
    store = get_store()
    old = store.sites.get(site_id) if site_id is not None else None
    form = SiteForm()
    if old is not None and not form.is_submitted():
        form.fill(old)
    if form.validate_on_submit():
        write = store.sites.update if old else store.sites.add
        saved = _save(form, lambda: form.to_site(site_id), lambda s: write(_check_on_road(s)), "site")
        if saved is not None:
            flash(_("保存しました"))
            return redirect(url_for("masters.sites"))
    lat, lon = _map_centre(old)
    return _form_page(form, _("拠点"), url_for("masters.sites"), site_map={"lat": lat, "lon": lon})


# ----------------------------------------------------------------------------- vehicles


@bp.route("/vehicles")
def vehicles():
    """The vehicles (車両), active or not, with capacity, equipment, depot and hours."""
    store = get_store()
    return render_template("masters/vehicles.html", vehicles=store.vehicles.all(),
                           sites={s.id: s for s in store.sites.all()})


@bp.route("/vehicles/new", methods=["GET", "POST"], endpoint="vehicle_new")
@bp.route("/vehicles/<int:vehicle_id>", methods=["GET", "POST"])
def vehicle_edit(vehicle_id: int | None = None):
    """Add or edit a vehicle."""
    store = get_store()
    old = store.vehicles.get(vehicle_id) if vehicle_id is not None else None
    form = VehicleForm(sites=store.sites.all())
    if old is not None and not form.is_submitted():
        form.fill(old)
    if form.validate_on_submit():
        write = store.vehicles.update if old else store.vehicles.add
        if _save(form, lambda: form.to_vehicle(old), write, "vehicle") is not None:
            flash(_("保存しました"))
            return redirect(url_for("masters.vehicles"))
    return _form_page(form, _("車両"), url_for("masters.vehicles"))


# ----------------------------------------------------------------------------- shift exceptions


@bp.route("/exceptions", methods=["GET", "POST"])
def exceptions():
    """Shift exceptions from a week ago on: a van in the workshop (運休), a holiday duty (臨時運行); add one."""
    store = get_store()
    vehicles = store.vehicles.all()
    form = ShiftExceptionForm(vehicles=vehicles)
    if form.validate_on_submit() and _save(form, form.to_exception, store.shift_exceptions.add,
                                           "shift exception") is not None:
        flash(_("保存しました"))
        return redirect(url_for("masters.exceptions"))
    today = clock.today()
    found = store.shift_exceptions.between(today - dt.timedelta(days=7), today + dt.timedelta(days=800))
    return render_template("masters/exceptions.html", form=form, exceptions=found,
                           vehicles={v.id: v for v in vehicles}), 400 if form.errors else 200


@bp.route("/exceptions/<int:exception_id>/delete", methods=["POST"])
def exception_delete(exception_id: int):
    """Remove a shift exception."""
    get_store().shift_exceptions.delete(exception_id)
    audit.record("change", "shift exception", [exception_id])
    flash(_("削除しました"))
    return redirect(url_for("masters.exceptions"))


# ----------------------------------------------------------------------------- services


@bp.route("/services")
def services():
    """The service catalogue (業務メニュー): code, Japanese and English names, duration, equipment."""
    return render_template("masters/services.html", services=get_store().services.all())


@bp.route("/services/new", methods=["GET", "POST"], endpoint="service_new")
@bp.route("/services/<code>", methods=["GET", "POST"])
def service_edit(code: str | None = None):
    """Add or edit a catalogue entry (its code is its key and cannot change)."""
    store = get_store()
    old = next((s for s in store.services.all() if s.code == code), None)
    if code is not None and old is None:
        abort(404)
    form = ServiceForm()
    if old is not None:
        if not form.is_submitted():
            form.fill(old)
        form.code.data = old.code
        form.code.render_kw = {"readonly": True}
    if form.validate_on_submit():
        if old is None and any(s.code == form.code.data.strip() for s in store.services.all()):
            form.code.errors = [*form.code.errors, _("このコードはすでに使われています")]
        elif _save_service(form, store):
            flash(_("保存しました"))
            return redirect(url_for("masters.services"))
    return _form_page(form, _("業務メニュー"), url_for("masters.services"))


def _save_service(form, store) -> bool:
    try:
        service = store.services.upsert(form.to_service())
    except InputError as exc:
        field = field_for(form, str(exc))
        field.errors = [*field.errors, problem(exc)]
        return False
    # The catalogue is keyed by code, not by an id: the code goes into the entry's subject.
    audit.record_entry(AuditEntry(user=current_user.login, action="change", subject=f"service:{service.code}",
                                  where=request.endpoint or ""))
    return True


# ----------------------------------------------------------------------------- staff accounts (admin only)


@bp.route("/users")
def users():
    """Staff accounts: login, name, role, vehicle, active, open log-ins, lock (never a password hash)."""
    store = get_store()
    now = clock.now()
    accounts, locked = store.users.all(), store.login_throttles.locked(now)
    return render_template("masters/users.html", users=accounts,
                           vehicles={v.id: v for v in store.vehicles.all()},
                           sessions=store.login_sessions.open_counts(now),
                           locked={u.id: locked[account_key(u.id)] for u in accounts if account_key(u.id) in locked})


@bp.route("/users/new", methods=["GET", "POST"], endpoint="user_new")
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int | None = None):
    """Add an account (a password is required) or change one: role, vehicle, reset password, deactivate.

    A new password ends the account's other log-ins and its API tokens;
    deactivating ends all of them (`scheduler.store.Store.update_user`).
    """
    from webapp.security import hash_password

    store = get_store()
    old = store.users.get(user_id) if user_id is not None else None
    form = UserForm(vehicles=store.vehicles.all())
    if old is not None and not form.is_submitted():
        form.fill(old)
    if form.validate_on_submit():
        password = form.password.data or ""
        if old is None and not password:
            form.password.errors = [*form.password.errors, _("入力してください")]
        elif old is not None and old.id == current_user.account.id and \
                (not form.active.data or form.role.data != Role.ADMIN.value):
            form.active.errors = [*form.active.errors, _("自分のアカウントは無効にしたり役割を変えたりできません")]
        else:
            new_hash = hash_password(password) if password else None
            write = store.users.add
            if old is not None:  # a new password ends the others' log-ins, never the admin's own one here
                keep = current_user.session_id if old.id == current_user.account.id else None
                write = functools.partial(store.update_user, at=clock.now(), keep_session=keep)
            if _save(form, lambda: form.to_user(old, new_hash), write, "user") is not None:
                flash(_("保存しました"))
                return redirect(url_for("masters.users"))
    return _form_page(form, _("職員アカウント"), url_for("masters.users"))


@bp.route("/users/<int:user_id>/logout", methods=["POST"])
def user_logout(user_id: int):
    """End every browser log-in of the account (the admin's own: every other one)."""
    store = get_store()
    account = store.users.get(user_id)
    keep = current_user.session_id if account.id == current_user.account.id else None
    ended = store.login_sessions.end_all_of(account.id, "admin", at=clock.now(), keep=keep)
    audit.record("end_sessions", "user", [account.id])
    flash(_("%(login)s のログインを%(n)s件終了しました", login=account.login, n=ended))
    return redirect(url_for("masters.users"))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
def user_unlock(user_id: int):
    """Unlock the account: forget its failed log-ins before the lock ends by itself."""
    store = get_store()
    account = store.users.get(user_id)
    store.login_throttles.unlock(account_key(account.id))
    audit.record("unlock", "user", [account.id])
    flash(_("%(login)s のロックを解除しました", login=account.login))
    return redirect(url_for("masters.users"))


# ----------------------------------------------------------------------------- CSV import


def _import_checks(table: str) -> dict:
    """The position checks of the command line's import: the road network and the graph's address data."""
    if table not in ("residents", "sites") or not _has_roads():
        return {}
    from routing.addresses import AddressIndex

    checks: dict = {"network": road_network()}
    source = (read_instance_info(current_app.instance_path) or {}).get("source")
    if source and Path(source).is_file() and ".osm" in Path(source).name.lower():
        checks["addresses"] = AddressIndex(Path(source))
    return checks


def _audit_residents(path: Path, encoding: str) -> None:
    """Audit the residents a residents' import wrote (by their city ids in the file, read as the import read it)."""
    with path.open(encoding=encoding, newline="") as f:
        ids = {(row.get("external_id") or "").strip() for row in csv.DictReader(f)}
    store = get_store()
    found = (store.residents.by_external_id(i) for i in ids if i)
    audit.record("change", "resident", [r.id for r in found if r is not None])


@bp.route("/import", methods=["GET", "POST"], endpoint="import_csv")
def import_view():
    """Upload a CSV file: every row is checked and all are imported, or none with the row errors listed."""
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        name = Path(upload.filename or "upload.csv").name
        with tempfile.TemporaryDirectory(prefix="odekake-import-") as folder:
            path = Path(folder) / "upload.csv"
            upload.save(path)
            try:
                report = import_csv(get_store(), form.table.data, path, user=current_user.login,
                                    **_import_checks(form.table.data))
            except CsvError as exc:
                form.file.errors = [*form.file.errors, message(exc).replace(str(path), name)]
            if report is not None and not report.failed and form.table.data == "residents":
                _audit_residents(path, report.encoding)
        if report is not None:
            report.path = name
    return render_template("masters/import.html", form=form, report=report, encodings=ENCODINGS), \
        400 if form.errors or (report is not None and report.failed) else 200


__all__ = ["bp"]


from webapp.masters import audit_log as _audit_log  # noqa: F401  (registers /masters/audit on bp)
