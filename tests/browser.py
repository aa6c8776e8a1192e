"""Headless Chromium for the suite's browser tests: Debian's Chromium driven by selenium (one
browser per test module), waits, emulated window sizes and colour schemes, and axe-core.

Tests fail (never skip) when Chromium, its driver or axe-core is missing: `make test` installs
them (apt: chromium, chromium-driver, npm; npm: axe-core into .tools/)."""

from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"


def chromium():
    """A headless Chromium driven by selenium (the `browser` fixture of tests/conftest.py); quit at the end."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        pytest.fail(
            f"headless browser tests need {' and '.join(missing)}: run `make test` (apt-get install chromium chromium-driver)",
            pytrace=False,
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is not installed: run `make test` (pip install -e '.[dev]')", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--mute-audio",
        "--autoplay-policy=no-user-gesture-required",
        "--window-size=1280,1100",
        "--lang=fr-FR",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver's path is given, so selenium-manager never runs (nothing is downloaded).
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def console_errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


# How long a wait may take before the test fails: generous, so that only a broken page reaches it,
# never a slow machine. A wait ends as soon as its condition holds.
WAIT_S = 30


def wait_for(driver, script, *args):
    """Poll a JavaScript expression (`return ...`) until it is truthy; return its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_S, poll_frequency=0.05).until(
        lambda d: d.execute_script(script, *args), message=f"timed out waiting for: {script}"
    )


WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {"1280x900": (1280, 900), "320x640": (320, 640)}


@contextmanager
def emulated(driver, size=None, scheme=None):
    """The page as a window of `size` (CSS pixels) and in a colour `scheme` would show it."""
    if size:
        width, height = size
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
    if scheme:
        driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
        )
    try:
        yield
    finally:
        if size:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        if scheme:
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def run_axe(driver):
    """axe-core's violations of WCAG 2.0, 2.1 and 2.2 A and AA, and of its best practices."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make test` (it installs axe-core from npm into .tools/)", pytrace=False)
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done(String(e)));",
        [*WCAG_22_AA, "best-practice"],
    )
    assert isinstance(result, list), result
    return [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in result]
