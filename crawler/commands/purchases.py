"""``surveil purchases``: plan test purchases, approve, follow each purchase, export lists for the labs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from crawler.commands.common import app_context, console, fail, print_json
from crawler.context import AppContext
from crawler.evidence.layout import EvidenceLayout
from crawler.purchases import lifecycle
from crawler.purchases.actors import Actor
from crawler.purchases.plans import PlanError, add_pick, approve_plan, create_plan, remove_pick
from crawler.purchases.settings import PurchasingSettingsError, load_purchasing_settings
from crawler.purchases.views import plan_summary
from crawler.storage import migrate
from crawler.storage.engine import transaction
from crawler.storage.models import PurchasePlan, PurchaseStatus
from crawler.storage.repositories import UserRepository
from crawler.storage.repositories.purchases import PurchaseRepository
from crawler.timeutil import format_local

app = typer.Typer(help="Test purchases (网购抽样): plans, lifecycle, lab exports.", no_args_is_help=True)

USER_OPTION = typer.Option("cli", "--user", envvar="SURVEIL_USER", help="Who is acting (for the audit log).")


def actor_for(session: Session, context: AppContext, name: str) -> Actor:
    """The stored user of that name, so the audit entry links to the account; else the bare name."""
    return UserRepository(session, context.clock).by_name(name) or name


def _ready(ctx: typer.Context) -> AppContext:
    context = app_context(ctx)
    migrate.upgrade(context.engine)
    return context


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        fail(f"{text!r} is not an amount")
    if not value.is_finite() or value <= 0:
        fail("the amount must be positive")
    return value.quantize(Decimal("0.01"))


def _show(plan: PurchasePlan, as_json: bool) -> None:
    data = plan_summary(plan)
    if as_json:
        print_json(data)
        return
    total = sum((p.expected_price or Decimal(0) for p in plan.purchases), Decimal("0.00"))
    out = console()
    out.print(
        f"plan {plan.id} for {plan.period}: {plan.status}, {len(plan.purchases)} purchases, "
        f"¥{total} of ¥{plan.budget} (seed {plan.seed})"
    )
    table = Table()
    for column in ("id", "sample", "listing", "cost", "due", "buyer", "status", "why"):
        table.add_column(column, overflow="fold")
    for p in data["purchases"]:  # type: ignore[union-attr]
        table.add_row(
            str(p["id"]),
            p["sample_code"] or "",
            f"{p['listing_id']} {p['title'][:30]}",
            f"¥{p['cost']}" + ("*" if p["cost_basis"] == "category median" else ""),
            p["due_on"] or "",
            p["buyer"] or "",
            p["status"],
            p["reason"],
        )
    out.print(table)
    skipped = data["skipped"]
    if skipped:
        out.print(f"{len(skipped)} listing(s) left out:")  # type: ignore[arg-type]
        for s in skipped[:20]:  # type: ignore[index]
            out.print(f"  listing {s['listing_id']} ({s['category']}): {s['reason']}")


@app.command()
def plan(
    ctx: typer.Context,
    period: str = typer.Option(..., help="2026-12, 2026-Q4, 2026-H2 or 2026."),
    budget: str = typer.Option(..., help="Budget in yuan, e.g. 20000."),
    seed: int = typer.Option(0, help="Seed of the risk-ranked sampling: same seed and data, same plan."),
    unknown_price: str = typer.Option(
        "median", help="Listings without a price: 'median' (cost at the category median) or 'skip'."
    ),
    category: list[str] = typer.Option([], "--category", help="Only these category codes (repeat)."),
    user: str = USER_OPTION,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Propose a plan of test buys and keep it as a draft."""
    context = _ready(ctx)
    if unknown_price not in ("median", "skip"):
        fail("--unknown-price is 'median' or 'skip'")
    try:
        with transaction(context.sessions) as session:
            result = create_plan(
                session,
                context.clock,
                actor_for(session, context, user),
                period,
                _money(budget),
                seed=seed,
                unknown_price=unknown_price,
                categories=category or None,
            )
            plan_id = result.plan.id
    except PlanError as exc:
        fail(str(exc))
    with context.sessions() as session:
        _show(PurchaseRepository(session).plan(plan_id), as_json)  # type: ignore[arg-type]


@app.command()
def show(ctx: typer.Context, plan_id: int, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show a plan: its purchases with why each was chosen, and what was left out."""
    context = _ready(ctx)
    with context.sessions() as session:
        found = PurchaseRepository(session).plan(plan_id)
        if found is None:
            fail(f"no purchase plan {plan_id}")
        _show(found, as_json)


@app.command("add")
def add(
    ctx: typer.Context,
    plan_id: int,
    listing_id: int,
    reason: str = typer.Option("", help="Why the analyst adds it."),
    over_budget: bool = typer.Option(False, "--over-budget", help="Allow exceeding the plan's budget."),
    user: str = USER_OPTION,
) -> None:
    """Add a listing to a draft plan."""
    context = _ready(ctx)
    try:
        with transaction(context.sessions) as session:
            purchase = add_pick(
                session,
                context.clock,
                actor_for(session, context, user),
                plan_id,
                listing_id,
                reason,
                allow_over_budget=over_budget,
            )
            console().print(f"purchase {purchase.id} added to plan {plan_id} (¥{purchase.expected_price})")
    except PlanError as exc:
        fail(str(exc))


@app.command("remove")
def remove(
    ctx: typer.Context,
    plan_id: int,
    purchase_id: int,
    reason: str = typer.Option("", help="Why it is taken out."),
    user: str = USER_OPTION,
) -> None:
    """Take a purchase out of a draft plan."""
    context = _ready(ctx)
    try:
        with transaction(context.sessions) as session:
            remove_pick(
                session, context.clock, actor_for(session, context, user), plan_id, purchase_id, reason
            )
    except PlanError as exc:
        fail(str(exc))
    console().print(f"purchase {purchase_id} removed from plan {plan_id}")


@app.command()
def approve(
    ctx: typer.Context,
    plan_id: int,
    user: str = USER_OPTION,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Approve a draft plan: due dates, buyer accounts, labs and sample IDs are assigned."""
    context = _ready(ctx)
    try:
        settings = load_purchasing_settings(context.settings.data_dir)
        with transaction(context.sessions) as session:
            approve_plan(session, context.clock, actor_for(session, context, user), plan_id, settings)
    except (PlanError, PurchasingSettingsError) as exc:
        fail(str(exc))
    with context.sessions() as session:
        _show(PurchaseRepository(session).plan(plan_id), as_json)  # type: ignore[arg-type]


def _step(ctx: typer.Context, user: str, action, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    context = _ready(ctx)
    try:
        with transaction(context.sessions) as session:
            purchase = action(session, context.clock, actor_for(session, context, user), *args, **kwargs)
            code = purchase.sample.sample_code if purchase.sample else ""
            console().print(f"purchase {purchase.id} {code}: {PurchaseStatus(purchase.status).value}")
    except lifecycle.LifecycleError as exc:
        fail(str(exc))


@app.command()
def order(
    ctx: typer.Context,
    purchase_id: int,
    order_no: str = typer.Option(..., "--order-no", help="The platform's order number."),
    price: str | None = typer.Option(None, "--price", help="Price paid, in yuan."),
    buyer: str | None = typer.Option(None, "--buyer", help="Buyer account, if not the assigned one."),
    user: str = USER_OPTION,
) -> None:
    """Record that the purchase was ordered."""
    _step(ctx, user, lifecycle.mark_ordered, purchase_id, order_no, price, buyer)


@app.command()
def receive(
    ctx: typer.Context,
    purchase_id: int,
    condition: str = typer.Option(..., help="Condition of the parcel and product."),
    photo: list[str] = typer.Option([], "--photo", help="Parcel photo file (repeat)."),
    user: str = USER_OPTION,
) -> None:
    """Record that the parcel arrived."""
    _step(ctx, user, lifecycle.mark_received, purchase_id, condition, photo)


@app.command()
def send(
    ctx: typer.Context,
    purchase_id: int,
    lab: str | None = typer.Option(None, "--lab", help="Lab code, if not the assigned one."),
    user: str = USER_OPTION,
) -> None:
    """Record that the sample went to the lab."""
    _step(ctx, user, lifecycle.send_to_lab, purchase_id, lab)


@app.command()
def cancel(
    ctx: typer.Context,
    purchase_id: int,
    reason: str = typer.Option(..., help="Why."),
    user: str = USER_OPTION,
) -> None:
    """Cancel a purchase that has not reached the lab."""
    _step(ctx, user, lifecycle.cancel, purchase_id, reason)


@app.command()
def overdue(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Purchases behind schedule, most overdue first."""
    context = _ready(ctx)
    with context.sessions() as session:
        items = lifecycle.overdue(session, context.clock, context.settings.display_timezone)
    if as_json:
        print_json([i.to_dict() for i in items])
        return
    if not items:
        console().print(f"nothing overdue ({format_local(context.clock.now())})")
        return
    table = Table(title=f"Overdue purchases ({len(items)})")
    for column in ("purchase", "sample", "late", "due", "days", "platform", "buyer", "lab", "listing"):
        table.add_column(column, overflow="fold")
    for i in items:
        table.add_row(
            str(i.purchase_id),
            i.sample_code or "",
            i.stage,
            i.due_on.isoformat(),
            str(i.days_overdue),
            i.platform,
            i.buyer,
            i.lab or "",
            i.title[:40],
        )
    console().print(table)


@app.command()
def export(
    ctx: typer.Context,
    lab: str = typer.Option(..., "--lab", help="Lab code (see 'surveil labs list')."),
    out: Path = typer.Option(..., "--out", help="Directory for the files."),
    include_unreceived: bool | None = typer.Option(
        None,
        "--include-unreceived/--received-only",
        help="Also list samples not yet received (default: the lab's preference).",
    ),
    user: str = USER_OPTION,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Write the lab's sample list: XLSX (with screenshots), CSV and a printable sample sheet."""
    # Imported here: openpyxl, Pillow and Jinja are needed by this command only.
    from crawler.purchases.export import ExportError, export_for_lab

    context = _ready(ctx)
    store = EvidenceLayout.from_settings(context.settings).store
    try:
        with transaction(context.sessions) as session:
            result = export_for_lab(
                session,
                context.clock,
                actor_for(session, context, user),
                lab,
                out,
                evidence_store=store,
                include_unreceived=include_unreceived,
            )
    except ExportError as exc:
        fail(str(exc))
    data = {
        "lab": result.lab,
        "samples": result.sample_codes,
        "files": {k: str(v) for k, v in result.files.items()},
        "without_screenshot": [r.sample_code for r in result.rows if not r.has_screenshot],
    }
    if as_json:
        print_json(data)
        return
    console().print(f"{len(result.rows)} sample(s) for {result.lab}:")
    for kind, path in result.files.items():
        console().print(f"  {kind}: {path}")
