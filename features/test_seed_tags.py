"""The seed-criteria tags stay honest: each names a listed criterion, and the report runs."""

from features import seed_report


def test_every_seed_tag_names_a_listed_criterion():
    known, proven = seed_report.criteria(), seed_report.proofs()
    assert proven, "no scenario is tagged with a seed criterion"
    assert set(proven) <= set(known), sorted(set(proven) - set(known))
    assert all(cid.startswith("seed-00") for cid in known)


def test_the_report_lists_every_criterion_and_what_has_no_scenario(capsys):
    assert seed_report.main() == 0
    out = capsys.readouterr().out
    known, proven = seed_report.criteria(), seed_report.proofs()
    assert all(cid in out for cid in known)
    missing = len([cid for cid in known if cid not in proven])
    assert f"{len(known) - missing} of {len(known)} criteria have a scenario" in out
