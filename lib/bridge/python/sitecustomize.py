"""Loaded by Python at start-up when this directory is on PYTHONPATH (train.sh puts it there,
so Ray workers started by this driver inherit it). It waits for verl to be imported, then:

1. registers the `style_mix` reward manager (imports style_mix.py) as soon as
   `verl.workers.reward_manager` is loaded, so `reward_model.reward_manager=style_mix` resolves;
2. when `verl.trainer.ppo.ray_trainer` is loaded: where its `_compute_or_extract_reward`
   returns `rm_scores` directly (verl after mid-2025, e.g. b178a3c) and so would skip the
   reward manager, moves `rm_scores` aside for `style_mix` batches so the manager runs; and
   wraps `compute_data_metrics` to log `reward/<term>/mean` for each style_mix term.

Nothing happens in a process that never imports verl.
"""

import importlib.abc
import importlib.machinery
import sys


def _after_reward_manager(_module):
    import style_mix  # noqa: F401  (registers "style_mix")


def _after_ray_trainer(module):
    import numpy as np
    import style_mix

    cls = getattr(module, "RayPPOTrainer", None)
    original = getattr(cls, "_compute_or_extract_reward", None)
    manager = getattr(style_mix, "StyleMixRewardManager", None)
    if original is not None and manager is not None:

        def _compute_or_extract_reward(self, batch, *args, **kwargs):
            reward_fn = kwargs.get("reward_fn", args[0] if args else None)
            if isinstance(reward_fn, manager) and "rm_scores" in batch.batch.keys():
                batch.batch["style_mix_rm_scores"] = batch.batch.pop("rm_scores")
            return original(self, batch, *args, **kwargs)

        cls._compute_or_extract_reward = _compute_or_extract_reward

    metrics_fn = getattr(module, "compute_data_metrics", None)
    if metrics_fn is not None:

        def compute_data_metrics(batch, *args, **kwargs):
            metrics = metrics_fn(batch, *args, **kwargs)
            for term in style_mix.TERM_NAMES:
                if term in batch.non_tensor_batch:
                    metrics[f"reward/{term}/mean"] = float(np.mean(batch.non_tensor_batch[term].astype(float)))
            return metrics

        module.compute_data_metrics = compute_data_metrics


_HOOKS = {
    "verl.workers.reward_manager": _after_reward_manager,
    "verl.trainer.ppo.ray_trainer": _after_ray_trainer,
}


class _PostImportFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        hook = _HOOKS.pop(name, None)
        if hook is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_hook(module):
            exec_module(module)
            hook(module)

        spec.loader.exec_module = exec_and_hook
        return spec


sys.meta_path.insert(0, _PostImportFinder())
