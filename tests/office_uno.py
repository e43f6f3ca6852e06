"""LibreOffice driven through UNO, run by Debian's python3 (python3-uno): tests/office.py calls it.

    python3 office_uno.py PROFILE_URL edit SOURCE TARGET EDITS_JSON   edits made with changes recorded
    python3 office_uno.py PROFILE_URL accept SOURCE TARGET            every tracked change accepted

Both print a JSON list of the tracked changes LibreOffice saw in SOURCE (type and author) and
save TARGET as Word 2007 XML. Not part of the package: only the tests need an office suite.
"""

import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(profile):
    pipe = f"pressroom_{os.getpid()}"
    office = subprocess.Popen(["soffice", f"-env:UserInstallation={profile}", "--headless", "--invisible",
                               "--norestore", f"--accept=pipe,name={pipe};urp;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):  # a loaded machine can take a while to start the office
        try:
            return office, resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            time.sleep(0.5)
    office.kill()
    raise SystemExit("LibreOffice did not start")


def changes(doc):
    redlines = doc.getRedlines()
    out = []
    for index in range(redlines.getCount()):
        item = redlines.getByIndex(index)
        out.append({"type": item.getPropertyValue("RedlineType"), "author": item.getPropertyValue("RedlineAuthor")})
    return out


def edit(doc, edits):
    """Each edit replaces the first occurrence of `old` (in the body, or in a footnote) by `new`."""
    doc.setPropertyValue("RecordChanges", True)
    for old, new, where in edits:
        if where == "body":
            search = doc.createSearchDescriptor()
            search.SearchString, search.SearchCaseSensitive = old, True
            found = doc.findFirst(search)
            if found is None:
                raise SystemExit(f"not found: {old!r}")
            found.setString(new)
            continue
        notes = doc.getFootnotes()
        for index in range(notes.getCount()):
            note = notes.getByIndex(index)
            at = note.getString().find(old)
            if at >= 0:
                cursor = note.getText().createTextCursor()
                cursor.gotoStart(False)
                cursor.goRight(at, False)
                cursor.goRight(len(old), True)
                cursor.setString(new)
                break
        else:
            raise SystemExit(f"not found in a footnote: {old!r}")


def main():
    profile, mode, source, target = sys.argv[1:5]
    office, context = connect(profile)
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    try:
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(source)), "_blank", 0,
                                           (prop("Hidden", True),))
        seen = changes(doc)
        if mode == "edit":
            edit(doc, json.loads(sys.argv[5]))
        else:
            helper = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", context)
            helper.executeDispatch(doc.getCurrentController().getFrame(), ".uno:AcceptAllTrackedChanges", "", 0, ())
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)), (prop("FilterName", "MS Word 2007 XML"),))
        doc.close(True)
        print(json.dumps(seen))
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass  # the bridge closes as the office quits
        try:
            office.wait(timeout=60)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main()
