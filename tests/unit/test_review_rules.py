"""Review routing rules."""

from ai_invoicing.services.budget import Budget
from ai_invoicing.services.checks import Finding, findings_to_json
from ai_invoicing.services.review_routing import decide_review


def test_clean_invoice_flows_without_review():
    decision = decide_review(500.0, 10000.0, is_new_customer=False, review_new_customers=True)
    assert not decision.review_required and decision.reasons == ()


def test_threshold_is_strict_and_zero_disables_it():
    assert not decide_review(10000.0, 10000.0, False, False).review_required
    above = decide_review(12000.0, 10000.0, False, False, currency_symbol="€")
    assert above.reasons == ("Total 12,000.00 € is above the review threshold of 10,000.00 €.",)
    assert not decide_review(1e9, 0.0, False, False).review_required


def test_new_customer_only_when_setting_on():
    assert decide_review(1.0, 100.0, True, True).reasons == ("First invoice for this customer.",)
    assert not decide_review(1.0, 100.0, True, False).review_required


def test_warning_and_error_findings_route_info_does_not():
    findings = [
        Finding("vat_unverified", "info", "VIES unreachable.", "vat"),
        Finding("tax_mismatch", "error", "Line 1 taxes differ.", "taxes"),
    ]
    decision = decide_review(1.0, 100.0, False, False, findings)
    assert decision.reasons == ("Line 1 taxes differ.",)
    assert findings_to_json(findings[:1])[0]["code"] == "vat_unverified"


def test_budget_reasons():
    assert Budget(max_calls=0, used_calls=999).exhausted_reason() is None
    assert "200 calls" in Budget(max_calls=200, used_calls=200).exhausted_reason()
    assert "tokens" in Budget(max_tokens=1000, used_tokens=1500).exhausted_reason()
