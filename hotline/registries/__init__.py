"""The published registries an enterprise asks about: high-tech enterprises (高新技术企业),
incubators and 众创空间, and the municipal 科技特派员.

``formats`` (the three kinds and their Chinese column headers), ``reading`` (an uploaded
CSV / xlsx → header and rows), ``rows`` (rows → records, or rejected rows with a Chinese
reason), ``models`` (tables), ``store`` (import as a preview version, activate, list),
``names`` (the "same company" rule), ``matching`` (rapidfuzz over company names),
``lookup`` (questions against the active versions), ``answers`` (what the assistant says).
Imports knowledge and hotline's db / audit only; no web framework.
"""
