from __future__ import annotations

import pytest

from purecloud_guest_chat_client import ApiClient, PureCloudRegionHosts

EXPECTED_REGIONS = {
    "us_east_1": "mypurecloud.com",
    "eu_west_1": "mypurecloud.ie",
    "ap_southeast_2": "mypurecloud.com.au",
    "ap_northeast_1": "mypurecloud.jp",
    "eu_central_1": "mypurecloud.de",
    "us_west_2": "usw2.pure.cloud",
    "ca_central_1": "cac1.pure.cloud",
    "ap_northeast_2": "apne2.pure.cloud",
    "eu_west_2": "euw2.pure.cloud",
    "ap_south_1": "aps1.pure.cloud",
    "us_east_2": "use2.us-gov-pure.cloud",
    "sa_east_1": "sae1.pure.cloud",
    "me_central_1": "mec1.pure.cloud",
    "ap_northeast_3": "apne3.pure.cloud",
    "eu_central_2": "euc2.pure.cloud",
    "af_south_1": "afs1.pure.cloud",
    "mx_central_1": "mxc1.pure.cloud",
    "ap_southeast_1": "apse1.pure.cloud",
    "eusc_de_east_1": "edee1.eusc-pure.cloud",
}


def test_every_region_of_the_vendor_sdks() -> None:
    assert {region.name: region.value for region in PureCloudRegionHosts} == EXPECTED_REGIONS
    assert len(PureCloudRegionHosts) == 19
    client = ApiClient()
    for region in PureCloudRegionHosts:
        client.set_environment(region)
        assert client.base_path == f"https://api.{region.value}"
        assert client.environment == region.value
    client.close()


@pytest.mark.parametrize(
    ("value", "base_path"),
    [
        ("mypurecloud.ie", "https://api.mypurecloud.ie"),
        ("https://mypurecloud.ie", "https://api.mypurecloud.ie"),
        ("https://api.mypurecloud.ie/", "https://api.mypurecloud.ie"),
        ("api.usw2.pure.cloud", "https://api.usw2.pure.cloud"),
        ("https://api.edee1.eusc-pure.cloud", "https://api.edee1.eusc-pure.cloud"),
        ("http://edee1.eusc-pure.cloud/", "https://api.edee1.eusc-pure.cloud"),
        # A region added after this release, under a Genesys parent domain.
        ("https://xyz9.eusc-pure.cloud", "https://api.xyz9.eusc-pure.cloud"),
        ("https://xyz9.pure.cloud", "https://api.xyz9.pure.cloud"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
        ("https://gateway.example.com/guest", "https://gateway.example.com/guest"),
    ],
)
def test_set_environment_forms(value: str, base_path: str) -> None:
    with ApiClient() as client:
        client.set_environment(value)
        assert client.base_path == base_path


@pytest.mark.parametrize(
    "value", ["", "localhost", "ftp://mypurecloud.ie", "not a host", "http://x:99999", "a..b"]
)
def test_bad_environment_raises_naming_it(value: str) -> None:
    with ApiClient() as client, pytest.raises(ValueError, match="environment"):
        client.set_environment(value)
