import Foundation
import PatrolSheet
import XCTest

final class XLSXWriterTests: XCTestCase {
    private static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    private static func template() -> XLSXWriter {
        var units = XLSXSheet(name: "单位", title: "2023年 检查对象一览表", columns: [
            XLSXColumn("单位名称"), XLSXColumn("联络员手机", isText: true), XLSXColumn("报送日期"),
            XLSXColumn("更新时间"), XLSXColumn("数量"),
        ])
        units.append([.text("溧阳市"), .text("13800000000"), .date(year: 2022, month: 7, day: 1),
                      .dateTime(Date(timeIntervalSince1970: 1_656_639_000), timeZone: shanghai), .integer(13_800_000_000)])
        units.append([" 前后空格 ", "A&B <c>", .empty, .empty, .number(0.1)])
        units.append(["多\n行", "_x0041_ 与 \u{1}", .empty, .empty, .number(-2.5)])
        let notes = XLSXSheet(name: "说明/备注?", columns: [XLSXColumn("说明", width: 40)], rows: [["必填列标 *"]])
        return XLSXWriter(sheets: [units, notes])
    }

    private static let expectedRows: [[String]] = [
        ["2023年 检查对象一览表"],
        ["单位名称", "联络员手机", "报送日期", "更新时间", "数量"],
        ["溧阳市", "13800000000", "2022-07-01", "2022-07-01T09:30:00", "13800000000"],
        [" 前后空格 ", "A&B <c>", "", "", "0.1"],
        ["多\n行", "_x0041_ 与 \u{1}", "", "", "-2.5"],
    ]

    func testRoundTripThroughXLSXReader() throws {
        // MUT
        let data = try Self.template().data()

        // validate
        let table = try XLSXReader().read(data)
        XCTAssertEqual(table.source, .workbook(sheetName: "单位"))
        XCTAssertEqual(table.rows.map(\.values), Self.expectedRows)
        XCTAssertEqual(table.mergedRanges.map(\.description), ["A1:E1"])
        let header = try HeaderLocator(fields: [HeaderField("name", aliases: ["单位名称"])]).locate(in: table)
        XCTAssertEqual(header.rowNumber, 2)
        let notes = try XLSXReader().read(data, sheet: .named("说明_备注_"))
        XCTAssertEqual(notes.rows.map(\.values), [["说明"], ["必填列标 *"]])
    }

    func testTheSameSheetsGiveTheSameBytes() throws {
        XCTAssertEqual(try Self.template().data(), try Self.template().data())
    }

    /// openpyxl sees the values, the frozen header, the merged title, bold headers and the widths.
    func testOpenpyxlReadsTheWorkbook() throws {
        guard ExternalTool.isAvailable(["python3", "-c", "import openpyxl"]) else {
            throw XCTSkip("python3 with openpyxl is not installed (pip install openpyxl)")
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("patrol-sheet-\(UUID()).xlsx")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.template().write(to: url)
        let script = """
            import json, sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            ws = wb.worksheets[0]
            print(json.dumps({
                "sheets": wb.sheetnames,
                "freeze": ws.freeze_panes,
                "merged": [str(r) for r in ws.merged_cells.ranges],
                "bold": ws["A2"].font.b,
                "width": ws.column_dimensions["A"].width,
                "rows": [[None if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)],
                "phone_format": ws["B3"].number_format,
            }, ensure_ascii=False))
            """

        let result = try ExternalTool.run(["python3", "-c", script, url.path])

        XCTAssertEqual(result.status, 0)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        XCTAssertEqual(json["sheets"] as? [String], ["单位", "说明_备注_"])
        XCTAssertEqual(json["freeze"] as? String, "A3")
        XCTAssertEqual(json["merged"] as? [String], ["A1:E1"])
        XCTAssertEqual(json["bold"] as? Bool, true)
        XCTAssertEqual(json["phone_format"] as? String, "@")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(json["width"] as? Double), 10)
        let rows = try XCTUnwrap(json["rows"] as? [[Any]])
        XCTAssertEqual(rows[2].map { $0 as? String }, ["溧阳市", "13800000000", "2022-07-01 00:00:00", "2022-07-01 09:30:00", "13800000000"])
        XCTAssertEqual(rows[4].first as? String, "多\n行")
    }

    /// LibreOffice opens the workbook and converts it to CSV with the same values.
    func testLibreOfficeOpensTheWorkbook() throws {
        guard ExternalTool.isAvailable(["soffice", "--version"]) else {
            throw XCTSkip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("patrol-sheet-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("template.xlsx")
        try Self.template().write(to: url)

        // 44,34,76 = comma, double quote, UTF-8.
        let result = try ExternalTool.run([
            "soffice", "-env:UserInstallation=file://\(folder.path)/profile", "--headless",
            "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", folder.path, url.path,
        ])

        XCTAssertEqual(result.status, 0)
        let csv = try CSVSheetReader().read(Data(contentsOf: folder.appendingPathComponent("template.csv")))
        XCTAssertEqual(csv.row(2)?.values, Self.expectedRows[1])
        XCTAssertEqual(csv.row(3)?.values, ["溧阳市", "13800000000", "2022-07-01", "2022-07-01 09:30:00", "13800000000"])
        XCTAssertEqual(csv.row(4)?.values, [" 前后空格 ", "A&B <c>", "", "", "0.1"])
    }
}
