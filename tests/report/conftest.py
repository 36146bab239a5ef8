"""Report tests draw headless: pick Agg before anything imports pyplot."""

import matplotlib

matplotlib.use("Agg")
