"""Real-browser tests of the app (Debian chromium driven by playwright)."""
