"""Policy rules as data: one TOML file per program in ``data/policies/``."""

from matcher.policy.rules import CompiledPolicy, load_common, load_policy, policy_programs

__all__ = ["CompiledPolicy", "load_common", "load_policy", "policy_programs"]
