"""Render the HTML report's review page to PNG with headless Chromium, at desktop width
and at 400 px, for a human look at the design.

    python scripts/review_screenshots.py [ARTICLE] [--out out/]

The report is made by the real CLI (`mtqa check ARTICLE --format html`, without
LanguageTool, model or QE, so it takes seconds); in the browser the first changes are
reached with J, one is accepted, one rejected, so that every state shows.  Writes
out/review-1280.png and out/review-400.png (one screen from the review's top) and
out/review-1280-full.png, out/review-400-full.png (the whole page).  Needs Debian's chromium and chromedriver
(scripts/install_browser.sh)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMEDRIVER = "/usr/bin/chromedriver"


def make_report(article: Path, out: Path) -> None:
    cmd = [sys.executable, "-m", "mtqa", "check", str(article), "--format", "html", "-o", str(out),
           "--no-languagetool", "--no-model", "--no-qe", "--no-cache"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1: a score below a threshold, still a report
        raise SystemExit(f"mtqa check failed ({done.returncode}): {done.stderr.strip()}")


def browser(width: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},900",
              "--hide-scrollbars", "--force-device-scale-factor=1"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def exercise(driver) -> None:
    """A few decisions, so that accepted, rejected, pending and the current change show."""
    from selenium.webdriver.common.action_chains import ActionChains

    keys = ActionChains(driver)
    for k in "jjar" + "jj":
        keys.send_keys(k)
    keys.perform()


def viewport(driver, width: int, height: int) -> None:
    """A desktop window cannot be narrower than 500 px: a phone's viewport is emulated."""
    if width < 500:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
    else:
        driver.set_window_size(width, height + 120)  # + the window's own frame


def shoot(page: Path, width: int, out: Path) -> list[Path]:
    """Two shots: one screen from the review's top (what an editor sees first, with the
    current change), and the whole page."""
    driver = browser(max(width, 500))
    try:
        viewport(driver, width, 900)
        driver.get(page.as_uri())
        driver.execute_script("localStorage.clear()")
        driver.refresh()
        exercise(driver)
        screen = out / f"review-{width}.png"
        driver.execute_script("window.scrollTo(0, document.querySelector('.review').getBoundingClientRect().top"
                              " + window.scrollY - (parseInt(getComputedStyle(document.documentElement)"
                              ".getPropertyValue('--top-h')) || 0) - 8)")
        driver.save_screenshot(str(screen))
        height = min(driver.execute_script("return document.documentElement.scrollHeight"), 12000)
        viewport(driver, width, height)
        driver.execute_script("window.scrollTo(0, 0)")
        full = out / f"review-{width}-full.png"
        driver.save_screenshot(str(full))
        return [screen, full]
    finally:
        driver.quit()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("article", nargs="?", default=str(ROOT / "examples" / "economic-forum.txt"))
    ap.add_argument("--out", default=str(ROOT / "out"))
    args = ap.parse_args(argv)
    if not (os.path.exists(CHROMEDRIVER) and subprocess.run(["which", "chromium"], capture_output=True).returncode == 0):
        print("review_screenshots: chromium / chromedriver missing (run scripts/install_browser.sh)", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "review.html"
        make_report(Path(args.article).resolve(), page)
        shots = shoot(page, 1280, out) + shoot(page, 400, out)
    for s in shots:
        print(s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
