"""The views: HTML for cards and waterfalls, and the notebook widgets. They render events only."""
