"""Memory capacity: FEP, Hebbian, Storkey and projector networks under the same recall tests (``fepnet capacity``).

- :mod:`fepnet.capacity.plots`: the figures of a capacity result (no computation, no files).
- :mod:`fepnet.capacity.render`: ``capacity.nc``, ``capacity.json``, the figures and the report
  (:func:`~fepnet.capacity.render.write_capacity`), the verdict on the paper's claim.

Import the modules by name.
"""
