"""Drives the flag console in headless Chromium as a person would: by labels and visible text.

Usage: console_browser.py BASE_URL SCREENSHOT_DIR ADMIN_TOKEN

ADMIN_TOKEN: an ff_ token with `*` for the project `default`, where the flag `edge-banner` exists
(the sign-in of a deployment without accounts).

Prints one JSON document of what it saw (the secrets the console showed once, what the conflict
and the audit log said, the status of the session after sign-out) for ConsoleBrowserTests to
check. Each page is saved as a PNG in SCREENSHOT_DIR; on a failure the last screen is saved too
and the error goes to stderr with that folder's path.
"""
import http.server
import json
import os
import sys
import threading
import traceback
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE, SHOTS, ADMIN = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(SHOTS, exist_ok=True)
seen = {"screenshots": SHOTS}
shot_number = 0


def browser():
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1000", "--no-first-run", "--password-store=basic"):
        options.add_argument(argument)
    if os.path.exists("/usr/bin/chromium"):
        options.binary_location = "/usr/bin/chromium"
    driver_path = "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None
    return webdriver.Chrome(options=options, service=Service(executable_path=driver_path) if driver_path else Service())


driver = browser()
# A page re-renders its table when an answer arrives: an element read mid-render is stale, and the
# wait reads it again rather than failing.
wait = WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,))


class Receiver(http.server.BaseHTTPRequestHandler):
    """The webhook receiver: answers 200 and counts what it was sent."""
    received = []

    def do_POST(self):
        Receiver.received.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *arguments):
        pass


receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()


def literal(text):
    """An XPath string literal for any text."""
    if "'" not in text:
        return f"'{text}'"
    return "concat('" + "', \"'\", '".join(text.split("'")) + "')"


def shot(name):
    global shot_number
    shot_number += 1
    driver.save_screenshot(os.path.join(SHOTS, f"{shot_number:02d}-{name}.png"))


def heading(text):
    """Waits for the page's heading to read `text`."""
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main h1"), text))


def by_label(text, scope=None):
    """The control whose visible <label> reads `text` (the label is its accessible name)."""
    def find(_):
        for label in (scope or driver).find_elements(By.XPATH, f".//label[normalize-space(.)={literal(text)}]"):
            target = label.get_attribute("for")
            if target:
                element = driver.find_element(By.ID, target)
                if element.is_displayed():
                    return element
        return False
    return wait.until(find)


def button(text):
    return wait.until(EC.element_to_be_clickable((By.XPATH, f"//button[normalize-space(.)={literal(text)}]")))


def link(text):
    return wait.until(EC.element_to_be_clickable((By.XPATH, f"//a[normalize-space(.)={literal(text)}]")))


def named(name):
    """The control whose accessible name (aria-label) is `name`."""
    return wait.until(EC.presence_of_element_located((By.XPATH, f"//*[@aria-label={literal(name)}]")))


def type_into(label, text, scope=None):
    field = by_label(label, scope)
    field.clear()
    field.send_keys(text)
    return field


def fill(fields):
    """Types each value into the field labelled so; a select gets the option of that text."""
    for label, value in fields:
        control = by_label(label)
        if control.tag_name == "select":
            Select(control).select_by_visible_text(value)
        else:
            type_into(label, value)


def text_appears(text):
    wait.until(EC.presence_of_element_located((By.XPATH, f"//*[contains(normalize-space(.), {literal(text)})]")))


def post(path, headers):
    request = urllib.request.Request(BASE + path, data=b"", method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


try:
    # The front door redirects to the console, which asks for a sign-in.
    driver.get(BASE + "/")
    heading("Sign in to the flag console")
    seen["landed_on"] = driver.current_url
    by_label("Email")
    by_label("Password")
    button("Sign in")
    shot("sign-in")

    # Create an account.
    button("Create an account").click()
    type_into("Your name", "Ann Example")
    type_into("Organization", "Acme Browser")
    type_into("Email", "ann@acme.example")
    type_into("Password", "correct-horse-battery")
    shot("create-account")
    button("Create account").click()
    heading("Flags")
    text_appears("No flags yet.")
    shot("flags-empty")

    # A webhook to a receiver on loopback, registered before the changes it will hear of.
    link("Webhooks").click()
    heading("Webhooks")
    type_into("Webhook name", "receiver")
    type_into("URL", f"http://127.0.0.1:{receiver.server_address[1]}/hook")
    button("Register webhook").click()
    text_appears("Deliveries of receiver")
    link("Flags").click()
    heading("Flags")

    # Create a flag: first a key the API refuses, whose error shows next to the Key field.
    link("New flag").click()
    heading("New flag")
    type_into("Key", "bad key!")
    type_into("Name", "New checkout")
    Select(by_label("Type")).select_by_visible_text("boolean")
    type_into("Default value", "false")
    button("Create flag").click()
    key_field = by_label("Key")
    wait.until(lambda _: key_field.get_attribute("aria-invalid") == "true")
    key_error = driver.find_element(By.ID, key_field.get_attribute("id") + "-error")
    seen["key_error"] = key_error.text
    shot("flag-validation-error")
    type_into("Key", "new-checkout")
    button("Create flag").click()
    heading("Flag new-checkout")

    # A targeting rule in production: plan eq pro → true.
    environment = Select(by_label("Environment"))
    seen["editor_environment"] = environment.first_selected_option.text
    fill([("Rule attribute", "plan"), ("Rule operator", "eq"), ("Rule values", "pro"), ("Value served by the rule", "true")])
    button("Save environment").click()
    text_appears("Saved for production.")
    shot("flag-editor")

    # Switch it on in production, from the list.
    link("Flags").click()
    heading("Flags")
    switch = named("new-checkout in production")
    seen["switch_before"] = switch.is_selected()
    switch.click()
    wait.until(lambda _: named("new-checkout in production").is_selected()
               and named("new-checkout in production").is_enabled())
    text_appears("new-checkout is on in production.")
    seen["switch_after"] = named("new-checkout in production").is_selected()
    shot("flags-switched-on")

    # A server API key and an ff_ token, each shown once with a Copy button.
    link("API keys and tokens").click()
    heading("API keys and tokens")
    type_into("Key name", "backend")
    Select(by_label("Key type")).select_by_value("server")
    button("Create API key").click()
    seen["fs_key"] = by_label("New API key").get_attribute("value")
    seen["fs_key_copy_button"] = len(driver.find_elements(By.XPATH, "//button[normalize-space(.)='Copy']"))
    text_appears("Revoke backend")
    type_into("Token name", "sdk")
    button("Create token").click()
    seen["ff_token"] = by_label("New ff_ token").get_attribute("value")
    shot("keys-and-tokens")
    driver.refresh()
    heading("API keys and tokens")
    text_appears("Revoke backend")
    seen["secret_after_reload"] = seen["fs_key"] in driver.page_source or seen["ff_token"] in driver.page_source

    # The same flag edited in two windows: the second save is refused and the console says why.
    driver.get(BASE + "/console/#/flags/new-checkout")
    heading("Flag new-checkout")
    first = driver.current_window_handle
    by_label("Name")
    driver.switch_to.new_window("window")
    driver.get(BASE + "/console/#/flags/new-checkout")
    heading("Flag new-checkout")
    type_into("Name", "Checkout from window two")
    button("Save flag").click()
    text_appears("Saved.")
    driver.close()
    driver.switch_to.window(first)
    type_into("Name", "Checkout from window one")
    button("Save flag").click()
    text_appears("Someone else changed this flag")
    seen["conflict"] = driver.find_element(By.CSS_SELECTOR, "[role=alert]").text
    shot("edit-conflict")
    button("Reload the flag").click()
    wait.until(lambda _: by_label("Name").get_attribute("value") == "Checkout from window two")
    seen["name_after_reload"] = by_label("Name").get_attribute("value")

    # The audit log shows the change with its before and after.
    link("Audit log").click()
    heading("Audit log")
    text_appears("flag.updated")
    summary = wait.until(EC.element_to_be_clickable((By.XPATH, "(//summary[normalize-space(.)='Before and after'])[1]")))
    summary.click()
    seen["audit_first"] = driver.find_element(By.CSS_SELECTOR, "main li").text
    shot("audit-log")

    link("Projects and environments").click()
    heading("Projects and environments")
    shot("projects")

    # A segment: who it matches.
    link("Segments").click()
    heading("Segments")
    fill([("Segment key", "pro-users"), ("Segment name", "Pro users"), ("Condition attribute", "plan"),
          ("Condition operator", "eq"), ("Condition values", "pro")])
    button("Create segment").click()
    text_appears("Delete pro-users")
    seen["segment_row"] = driver.find_element(By.CSS_SELECTOR, "main tbody tr").text
    shot("segments")

    # The webhook's deliveries of the changes above.
    link("Webhooks").click()
    heading("Webhooks")
    wait.until(lambda _: len(Receiver.received) > 0)
    button("Deliveries of receiver").click()
    text_appears("Recent deliveries of receiver")
    text_appears("delivered (200)")
    seen["webhook_deliveries"] = driver.find_element(By.CSS_SELECTOR, "main li").text
    seen["webhook_received"] = len(Receiver.received)
    shot("webhooks")

    # A member invited with a first password, then given another role.
    link("Members").click()
    heading("Members")
    fill([("Member email", "bob@acme.example"), ("Member name", "Bob"), ("First password", "bobs-first-password"),
          ("Role", "viewer")])
    button("Invite member").click()
    text_appears("Remove bob@acme.example")
    Select(named("Role of bob@acme.example")).select_by_visible_text("developer")
    text_appears("bob@acme.example is now developer.")
    seen["member_invited"] = True
    shot("members")

    # What the console's own JavaScript can reach: no refresh token, nothing in storage.
    seen["document_cookie"] = driver.execute_script("return document.cookie")
    seen["local_storage"] = driver.execute_script("return JSON.stringify(Object.assign({}, localStorage))")
    seen["session_storage"] = driver.execute_script("return JSON.stringify(Object.assign({}, sessionStorage))")

    # At 375 px wide the flag list still shows its switches.
    driver.set_window_size(375, 800)
    link("Flags").click()
    heading("Flags")
    seen["narrow_switch_visible"] = named("new-checkout in production").is_displayed()
    shot("flags-375px")
    driver.set_window_size(1280, 1000)

    # Sign out: the session is revoked, the old cookie is refused.
    # WebDriver's own cookie calls see only the current path's; the refresh cookie is scoped to
    # /console/session, so ask the browser for all of them.
    cookies = {c["name"]: c for c in driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]}
    refresh_cookie, csrf_cookie = cookies["edgeflags_refresh"], cookies["edgeflags_csrf"]
    seen["refresh_cookie_path"] = refresh_cookie.get("path")
    seen["refresh_cookie_http_only"] = bool(refresh_cookie and refresh_cookie.get("httpOnly"))
    seen["refresh_cookie_same_site"] = refresh_cookie and refresh_cookie.get("sameSite")
    button("Sign out").click()
    heading("Sign in to the flag console")
    shot("signed-out")
    seen["refresh_after_sign_out"] = post("/console/session/refresh", {
        "Cookie": f"edgeflags_refresh={refresh_cookie['value']}; edgeflags_csrf={csrf_cookie['value']}",
        "X-CSRF-Token": csrf_cookie["value"]})
    driver.refresh()
    heading("Sign in to the flag console")
    seen["signed_out_after_reload"] = True

    # Sign in again with the account made above, by keyboard: Enter submits the form.
    type_into("Email", "ann@acme.example")
    type_into("Password", "correct-horse-battery").send_keys(Keys.ENTER)
    heading("Flags")
    seen["signed_in_again"] = True
    button("Sign out").click()
    heading("Sign in to the flag console")

    # A deployment without accounts: an ff_ admin token, kept in memory only.
    button("Use an admin token").click()
    type_into("Admin token", "ff_not_a_real_token")
    button("Sign in with token").click()
    token_field = by_label("Admin token")
    wait.until(lambda _: token_field.get_attribute("aria-invalid") == "true")
    seen["bad_token_error"] = driver.find_element(By.ID, token_field.get_attribute("id") + "-error").text
    type_into("Admin token", ADMIN)
    button("Sign in with token").click()
    heading("Flags")
    named("edge-banner in production").click()
    text_appears("edge-banner is on in production.")
    seen["edge_switch_after"] = named("edge-banner in production").is_selected()
    seen["edge_staging_after"] = named("edge-banner in staging").is_selected()
    shot("token-flags")
    link("Tokens").click()
    heading("Tokens")
    text_appears("Revoke admin")
    type_into("Token name", "ci")
    button("Create token").click()
    seen["ci_token"] = by_label("New ff_ token").get_attribute("value")
    button("Revoke ci").click()
    text_appears("Token ci revoked.")
    seen["ci_listed_after_revoke"] = len(driver.find_elements(By.XPATH, "//button[normalize-space(.)='Revoke ci']"))
    shot("token-tokens")
    link("Audit log").click()
    heading("Audit log")
    text_appears("edge-banner")
    shot("token-audit")
    link("Try it").click()
    heading("Try it")
    type_into("Context (JSON)", '{"user_id": "u1", "environment": "staging"}')
    button("Evaluate").click()
    text_appears("Reason")
    seen["try_staging"] = driver.find_element(By.CSS_SELECTOR, "main table tbody").text
    type_into("Context (JSON)", "{not json")
    button("Evaluate").click()
    text_appears("This is not valid JSON.")
    type_into("Context (JSON)", '{"user_id": "u1", "environment": "production"}')
    button("Evaluate").click()
    wait.until(lambda _: "true" in driver.find_element(By.CSS_SELECTOR, "main table tbody").text)
    seen["try_production"] = driver.find_element(By.CSS_SELECTOR, "main table tbody").text
    shot("token-try-it")
    driver.refresh()
    heading("Sign in to the flag console")
    seen["token_forgotten_on_reload"] = True
    print(json.dumps(seen))
except Exception:
    try:
        shot("failure")
    except Exception:
        pass
    print(f"The console browser run failed; screenshots are in {SHOTS}", file=sys.stderr)
    traceback.print_exc()
    print(json.dumps(seen), file=sys.stderr)
    sys.exit(1)
finally:
    driver.quit()
    receiver.shutdown()
