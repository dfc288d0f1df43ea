"""Child process of bench.memory: capture one document, print the peak RSS."""

import json
import os
import resource
import sys
import time


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(path: str, org_id: int, user_id: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from trace.core.capture import capture_events

    from django.contrib.auth import get_user_model

    from api.models import Organization

    organization = Organization.objects.get(pk=org_id)
    user = get_user_model().objects.get(pk=user_id)
    ready = _rss_mb()
    start = time.perf_counter()
    with open(path, "rb") as handle:
        payload = handle.read()
    document = json.loads(payload)
    del payload
    result = capture_events(documents=document["epcisBody"]["eventList"], organization=organization, user=user)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("JSON:" + json.dumps({"peak_rss_mb": peak, "ready_rss_mb": ready, "seconds": seconds,
                                "events": len(result.event_pks)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
