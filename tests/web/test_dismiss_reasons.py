"""A dismissal carries a reason code, chosen in the flag page's and the queue's dismiss forms."""

from __future__ import annotations

from sqlalchemy import select

from crawler.storage.models import DismissReason, Flag, FlagStatus, ReviewDecision
from tests.web.seeding import demo_dataset


def test_dismiss_form_offers_the_reason_codes_and_stores_the_choice(analyst, web_context, web_sessions):
    demo = demo_dataset(web_sessions, web_context.clock, web_context.settings.data_dir)
    client, token = analyst
    fid = demo.flag_ids[0]
    html = client.get(f"/flags/{fid}").text
    form = html[html.index('id="form-dismiss"') : html.index('id="form-purchase"')]
    for code in DismissReason:
        assert f'value="{code}"' in form
    assert "配件或零件，不是该产品" in form and "驳回原因" in form
    r = client.post(
        f"/flags/{fid}/decision", data={"csrf_token": token, "action": "dismiss", "reason": "accessory"}
    )
    assert r.status_code == 303, "a reason code other than 'other' needs no note"
    bad = client.post(
        f"/flags/{demo.flag_ids[1]}/decision",
        data={"csrf_token": token, "action": "dismiss", "reason": "looks fine", "note": "x"},
    )
    assert bad.status_code == 400
    other = client.post(
        f"/flags/{demo.flag_ids[1]}/decision",
        data={"csrf_token": token, "action": "dismiss", "reason": "other"},
    )
    assert other.status_code == 400, "'other' needs a note"
    queue = client.get("/queue").text
    assert 'id="bulk-reason"' in queue
    r = client.post(
        "/queue/bulk",
        data={
            "csrf_token": token,
            "action": "dismiss",
            "reason": "other_brand",
            "flag_ids": [str(demo.flag_ids[1]), str(demo.flag_ids[2])],
        },
    )
    assert r.status_code == 303
    with web_context.sessions() as session:
        rows = {
            d.flag_id: d
            for d in session.scalars(select(ReviewDecision).where(ReviewDecision.decision == "dismiss"))
        }
        assert rows[fid].reason_code is DismissReason.ACCESSORY
        assert rows[demo.flag_ids[1]].reason_code is DismissReason.OTHER_BRAND
        assert all(d.listing_state and len(d.listing_state) == 64 for d in rows.values())
        assert session.get(Flag, fid).status == FlagStatus.DISMISSED
    trail = client.get(f"/flags/{fid}").text
    trail = trail[trail.index('id="audit-trail"') :]
    assert "配件或零件，不是该产品" in trail
