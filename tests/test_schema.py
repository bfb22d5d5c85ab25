"""The settings schema: the IR fields are the one source of the checker's settings tables.

Input:  the IR classes (``mlc.compiler.ir``), the tables of ``mlc.compiler.check``, small specs.
Output: pass/fail.
Role:   issue 7 item 2. A setting's default, range, meaning and sweepability are written once, on its IR
        field; these tests check that the checker's tables, the sweep's slots and the JSON schema all read
        that one declaration, and that sweep axes name typed slots.
"""

from __future__ import annotations

import typing

import pytest

from mlc.compiler import check, ir
from mlc.compiler.check.schema import field_settings
from mlc.compiler.pipeline import compile_text

BASE = "problem t\nlet d = 3\ninput x ~ uniform(cube(d))\ntarget f*(x) = relu(x[1])\n"


@pytest.mark.parametrize("cls, table", [(ir.Data, check.DATA_KEYS), (ir.Model, check.MODEL_KEYS),
                                        (ir.Report, check.REPORT_KEYS)])
def test_tables_are_the_ir_fields(cls: type[ir.IRModel], table: dict[str, check.KeySpec]) -> None:
    settable = [name for name, info in cls.model_fields.items()
                if isinstance(info.json_schema_extra, dict) and "setting" in info.json_schema_extra]
    assert list(table) == settable
    for key, spec in table.items():
        info = cls.model_fields[key]
        assert spec.doc == info.description
        if spec.default is not None:
            assert spec.default == info.default


def test_enum_choices_come_from_the_ir_types() -> None:
    assert check.MODEL_KEYS["activation"].choices == typing.get_args(ir.Activation)
    assert check.SOLVES == typing.get_args(ir.Train.model_fields["solve"].annotation)


def test_per_kind_settings_and_defaults_of_the_optimizer() -> None:
    assert {k: list(v) for k, v in check.OPTIMIZER_KEYS.items()} == {
        "gd": ["lr", "momentum"], "sgd": ["lr", "batch", "momentum"], "adam": ["lr", "betas", "eps"],
        "msa": ["lr", "rho", "inner_steps"], "flow": ["rtol", "atol", "method"]}
    assert check.OPTIMIZER_KEYS["adam"]["lr"].default == 1e-3 and check.OPTIMIZER_KEYS["gd"]["lr"].default == 0.1
    assert field_settings(ir.Optimizer)["lr"].default == ir.Optimizer().lr


def test_sweepable_slots_are_the_fields_marked_sweepable() -> None:
    marked = {key for cls in (ir.Data, ir.Model, ir.Train, ir.Optimizer, ir.Penalty)
              for key, spec in field_settings(cls).items() if spec.sweepable}
    assert {k for keys in check.SWEEPABLE_SLOTS.values() for k in keys} == marked | {"max_steps"}
    assert "delta" not in marked  # a report setting: one value for the whole sweep (bug 3)
    assert check.INTEGER_SLOTS == {"n", "n_test", "width", "depth", "state_width", "batch", "steps", "max_steps",
                                   "inner_steps"}


def test_the_json_schema_carries_the_settings() -> None:
    data = ir.plan_json_schema()["$defs"]["Data"]["properties"]["n"]
    assert data["default"] == 1000 and data["description"] == "training samples"
    assert data["setting"]["minimum"] == 1 and data["setting"]["sweepable"] is True


def test_sweep_axes_name_typed_slots() -> None:
    outcome = compile_text(BASE + "model a = two_layer(width = 4)\nlet m = 10\ndata { n = 10 * m }\n"
                                  "sweep { lr = [0.1, 0.2]   m = [10, 20]   seed = 0..1 }\n", "t.ml")
    assert outcome.ok, outcome.rendered
    targets = {axis.key: axis.targets for block in outcome.plan.sweep for axis in block.axes}
    assert targets == {"lr": (ir.Slot(section="optimizer", owner="a", key="lr"),),
                       "m": (ir.Slot(section="let", key="m"),), "seed": (ir.Slot(section="seed", key="seed"),)}
    assert ir.Plan.model_validate_json(outcome.plan.model_dump_json()) == outcome.plan
