"""What every browser flow shares: a headless Chromium (Debian's chromium + chromium-driver), Chinese
first, at the 1440 px the pages are judged at; a flow switches to a 390 px phone itself."""
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


@pytest.fixture
def browser():
    opts = webdriver.ChromeOptions()
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,900", "--lang=zh-CN"]:
        opts.add_argument(arg)
    opts.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
