#!/usr/bin/env python3
"""A benchmark charm: the `echo` action returns every param as a result with the same key.

The Python twin of `bench/echo-charm`; `cargo xtask bench` writes its actions.yaml.
"""

import ops


class EchoCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on["echo"].action, self._on_echo_action)

    def _on_echo_action(self, event: ops.ActionEvent):
        event.set_results({key: str(value) for key, value in event.params.items()})


if __name__ == "__main__":
    ops.main(EchoCharm)
