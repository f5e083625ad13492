"""Measures the console (a benchmark, never a test): the bytes of its first load, and the time for
the flag list of a project of FLAGS flags to show in headless Chromium.

Usage: console_bench.py BASE_URL [FLAGS]   (default 10000; the server should be a fresh store)

Prints one line per figure:
  console first load: N bytes in M requests
  console flag list of F flags: shown in S ms (median of 5 loads), seeded in T s
"""
import http.client
import json
import statistics
import sys
import time
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = sys.argv[1]
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
url = urllib.parse.urlparse(BASE)
connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)


def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    connection.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        sys.exit(f"{method} {path}: {response.status} {data[:200]!r}")
    return json.loads(data) if data else None


email, password = "bench@console.example", "correct-horse-battery"
session = call("POST", "/console/session/register", {"email": email, "password": password, "name": "Bench", "org_name": "Bench"})
token = session["access_token"]
project = call("GET", "/v1/projects", token=token)[0]["id"]
started = time.time()
for number in range(COUNT):
    if number % 2000 == 0 and number:
        # The access token lives TOKEN_TTL_MINUTES; a fresh sign-in keeps a slow seed going.
        token = call("POST", "/console/session", {"email": email, "password": password})["access_token"]
    call("POST", f"/v1/projects/{project}/flags", {"key": f"bulk-{number:05d}", "name": f"Bulk {number}",
                                                    "tags": ["bulk", f"group-{number % 10}"]}, token)
seeded = time.time() - started

options = webdriver.ChromeOptions()
for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"):
    options.add_argument(argument)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(options=options, service=Service(executable_path="/usr/bin/chromedriver"))
try:
    driver.get(BASE + "/console/")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.XPATH, "//label[normalize-space(.)='Email']"))
    # Every byte the first load fetched (the page, its CSS, modules and icon), as the browser counted them.
    entries = driver.execute_script("""
        const nav = performance.getEntriesByType('navigation')[0];
        const all = [nav, ...performance.getEntriesByType('resource')];
        return all.map(e => [e.name, e.transferSize || e.encodedBodySize]);""")
    first_load = sum(size for _, size in entries)
    print(f"console first load: {first_load} bytes in {len(entries)} requests")
    driver.find_element(By.ID, driver.find_element(By.XPATH, "//label[normalize-space(.)='Email']").get_attribute("for")).send_keys(email)
    driver.find_element(By.ID, driver.find_element(By.XPATH, "//label[normalize-space(.)='Password']").get_attribute("for")).send_keys(password)
    driver.find_element(By.XPATH, "//button[normalize-space(.)='Sign in']").click()
    expected = f"of {COUNT}"
    WebDriverWait(driver, 120).until(lambda d: expected in d.find_element(By.CSS_SELECTOR, "main").text)
    times = []
    for _ in range(5):
        driver.execute_script("location.hash = '#/audit'")
        WebDriverWait(driver, 60).until(lambda d: d.find_element(By.CSS_SELECTOR, "main h1").text == "Audit log")
        begin = time.time()
        driver.execute_script("location.hash = '#/flags'")
        WebDriverWait(driver, 120, poll_frequency=0.005).until(
            lambda d: expected in d.find_element(By.CSS_SELECTOR, "main").text)
        times.append((time.time() - begin) * 1000)
    print(f"console flag list of {COUNT} flags: shown in {statistics.median(times):.0f} ms (median of 5 loads), seeded in {seeded:.0f} s")
finally:
    driver.quit()
