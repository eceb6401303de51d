"""What the benchmarks share besides the generated data (``bench_data``): Odoo as a server of
its own (``server``), a web session calling it as the web client does (``client``), and what is
counted in the database once a run is over (``checks``)."""
