#!/usr/bin/env python3
"""Writes the PatrolSheet test fixtures with real producers: openpyxl and LibreOffice.

Run once from this folder (python3 make_fixtures.py); the outputs are committed so tests and CI
need neither. Requires openpyxl (pip install openpyxl) and soffice (Debian libreoffice-calc-nogui).
The expected values in the Swift tests are the ones written here.
"""
import datetime
import os
import shutil
import subprocess
import tempfile
import zipfile

import openpyxl
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Font

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "..", "shared", "data")


def path(name):
    return os.path.join(HERE, name)


def openpyxl_units():
    """An office's list: merged title, header in row 2, phones stored as numbers, dates, a gap."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "单位"
    ws["A1"] = "2023年 检查对象一览表"
    ws.merge_cells("A1:H1")
    ws.append(["序号", "单位名称", "类别", "联络员", "联络员手机", "报送日期", "更新时间", "已确认"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    ws.append([1, "溧阳市", "辖市区", "张三", 13800000000, datetime.date(2022, 7, 1),
               datetime.datetime(2022, 7, 1, 9, 30, 0), True])
    ws.append([2, "金坛区\n（东城）", "辖市区", "李四", 13912345678.0, datetime.date(1999, 12, 31),
               datetime.datetime(2023, 1, 2, 23, 59, 59), False])
    ws["F4"].number_format = 'yyyy"年"m"月"d"日"'
    ws["F3"].number_format = "mm-dd-yy"  # openpyxl writes this as built-in format 14
    ws["A7"] = 5  # rows 5 and 6 left blank
    ws["B7"] = CellRichText(["常州", TextBlock(InlineFont(b=True), "市委"), "办"])
    ws["C7"] = 0.30000000000000004
    ws["D7"] = 1.5
    ws["E7"] = -42
    ws["J7"] = "远列"  # beyond the header, in J
    ws["A8"] = 110101199001011234  # an ID number typed as a number: openpyxl stores a float, as Excel would
    second = wb.create_sheet("资产")
    second.append(["资产", "类型"])
    second.append(["www.example.cn", "网站"])
    wb.save(path("openpyxl-units.xlsx"))


def openpyxl_empty():
    wb = openpyxl.Workbook()
    wb.active.title = "空表"
    wb.save(path("openpyxl-empty.xlsx"))


def hand_written_xml():
    """SpreadsheetML as minimal generators write it: cells and rows without r=, inline strings,
    a t="str" formula result, prefixed element names. The XML is hand-written, the zip is Python's."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="/xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:workbook xmlns:x="{main}" xmlns:r="{rel}"><x:sheets><x:sheet name="隐藏" sheetId="2" state="hidden" r:id="rId2"/><x:sheet name="数据" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/data.xml"/><Relationship Id="rId2" Type="{rel}/worksheet" Target="worksheets/hidden.xml"/></Relationships>',
        "xl/worksheets/data.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{main}"><x:sheetData>'
            '<x:row><x:c t="inlineStr"><x:is><x:t>名称</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>数量</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>合计</x:t></x:is></x:c></x:row>'
            '<x:row><x:c t="inlineStr"><x:is><x:r><x:t xml:space="preserve">甲 </x:t></x:r><x:r><x:t>乙</x:t></x:r></x:is></x:c><x:c><x:v>3</x:v></x:c><x:c t="str"><x:f>B2&amp;"件"</x:f><x:v>3件</x:v></x:c></x:row>'
            '<x:row r="5"><x:c r="C5" t="b"><x:v>1</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c></x:row>'
            '<x:row><x:c t="inlineStr"><x:is><x:t>换行_x000D_\n第二行</x:t></x:is></x:c></x:row>'
            '</x:sheetData></x:worksheet>',
        "xl/worksheets/hidden.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>不该读到</t></is></c></row></sheetData></worksheet>',
    }
    with zipfile.ZipFile(path("handwritten-no-refs.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


def not_an_xlsx():
    with zipfile.ZipFile(path("zip-not-xlsx.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "这不是一个工作簿")


def csv_files():
    rows = [["单位名称", "联络员", "手机", "备注"],
            ["溧阳市", "张三", "13800000000", "第一行\n第二行"],
            ["", "", "", ""],
            ["金坛区", "李四", "13912345678", "含,逗号"]]

    def encode(rows, sep=","):
        out = []
        for row in rows:
            fields = []
            for field in row:
                if any(c in field for c in (sep, "\n", '"')):
                    field = '"' + field.replace('"', '""') + '"'
                fields.append(field)
            out.append(sep.join(fields))
        return "\r\n".join(out) + "\r\n"

    text = encode(rows)
    with open(path("units-gbk.csv"), "wb") as f:
        f.write(text.encode("gbk"))  # Excel/WPS "CSV (逗号分隔)" on Chinese Windows
    with open(path("units-utf8-bom.csv"), "wb") as f:
        f.write(b"\xef\xbb\xbf" + text.encode("utf-8"))  # Excel "CSV UTF-8"
    with open(path("units-utf16le.txt"), "wb") as f:
        f.write(b"\xff\xfe" + encode(rows, "\t").encode("utf-16-le"))  # Excel "Unicode 文本"
    with open(path("units-latin1.csv"), "wb") as f:
        f.write("name,city\r\nJosé,Zürich\r\n".encode("latin-1"))  # neither UTF-8 nor GB18030
    shutil.copy(path("units-gbk.csv"), path("renamed-csv.xlsx"))


def libreoffice(source, target_ext, filter_name, out_name):
    with tempfile.TemporaryDirectory() as tmp:
        profile = "file://" + os.path.join(tmp, "profile")
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                        "--convert-to", f"{target_ext}:{filter_name}", "--outdir", tmp, source],
                       check=True, capture_output=True)
        produced = os.path.join(tmp, os.path.splitext(os.path.basename(source))[0] + "." + target_ext)
        shutil.move(produced, path(out_name))


def libreoffice_files():
    # LibreOffice re-saving openpyxl's workbook: its own shared strings, styles and number formats.
    libreoffice(path("openpyxl-units.xlsx"), "xlsx", "Calc MS Excel 2007 XML", "libreoffice-units.xlsx")
    # A real legacy .xls, renamed as users do.
    libreoffice(path("openpyxl-units.xlsx"), "xls", "MS Excel 97", "legacy.xls")
    shutil.move(path("legacy.xls"), path("renamed-xls.xlsx"))


def office_list():
    for name in ("units-changzhou-2022.xlsx", "units-changzhou-2022.csv"):
        shutil.copy(os.path.join(SHARED, name), path(name))


if __name__ == "__main__":
    openpyxl_units()
    openpyxl_empty()
    hand_written_xml()
    not_an_xlsx()
    csv_files()
    libreoffice_files()
    if os.path.isdir(SHARED):
        office_list()
