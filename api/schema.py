import re

# File endpoints answer at …/qr.png (the contract) and, via the router, also at
# …/qr.png/; document only the first.
_FILE_WITH_SLASH = re.compile(r"\.(png|svg|csv|xlsx)/$")


def drop_duplicate_file_routes(endpoints):
    return [e for e in endpoints if not _FILE_WITH_SLASH.search(e[0])]
