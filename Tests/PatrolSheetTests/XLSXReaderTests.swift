import Foundation
@testable import PatrolSheet
import XCTest
import ZIPFoundation

final class XLSXReaderTests: XCTestCase {
    private let reader = XLSXReader()

    /// openpyxl writes inline strings and its own styles; LibreOffice re-saving the same workbook
    /// writes shared strings (with rich-text runs), escaped custom date formats and styled empty
    /// cells. Both must read the same.
    func testOpenpyxlAndLibreOfficeWorkbooksReadAlike() throws {
        for name in ["openpyxl-units.xlsx", "libreoffice-units.xlsx"] {
            // MUT
            let table = try reader.read(Fixture.data(name))

            // validate
            XCTAssertEqual(table.source, .workbook(sheetName: "单位"), name)
            XCTAssertEqual(table.rows.map(\.number), [1, 2, 3, 4, 7, 8], name)
            XCTAssertEqual(table.mergedRanges, [SheetRange(reference: "A1:H1")!], name)
            XCTAssertEqual(table.row(1)?.values, ["2023年 检查对象一览表"], name)
            XCTAssertEqual(table.row(2)?.values, ["序号", "单位名称", "类别", "联络员", "联络员手机", "报送日期", "更新时间", "已确认"], name)
            XCTAssertEqual(table.row(3)?.values,
                           ["1", "溧阳市", "辖市区", "张三", "13800000000", "2022-07-01", "2022-07-01T09:30:00", "TRUE"], name)
            XCTAssertEqual(table.row(4)?.values,
                           ["2", "金坛区\n（东城）", "辖市区", "李四", "13912345678", "1999-12-31", "2023-01-02T23:59:59", "FALSE"], name)
            XCTAssertEqual(table.row(7)?.values, ["5", "常州市委办", "0.3", "1.5", "-42", "", "", "", "", "远列"], name)
            XCTAssertEqual(table.row(7)?.cells.last?.column.letters, "J", name)
            XCTAssertEqual(table.row(8)?.values, ["110101199001011000"], name)
            XCTAssertNil(table.row(5), name)
        }
    }

    func testReadsAWorksheetByName() throws {
        let data = try Fixture.data("openpyxl-units.xlsx")

        let table = try reader.read(data, sheet: .named(" 资产 "))

        XCTAssertEqual(table.source, .workbook(sheetName: "资产"))
        XCTAssertEqual(table.rows.map(\.values), [["资产", "类型"], ["www.example.cn", "网站"]])
        XCTAssertThrowsSheetError(.worksheetNotFound(name: "人员", available: ["单位", "资产"])) {
            () throws(SheetError) in try reader.read(data, sheet: .named("人员"))
        }
    }

    /// Minimal generators: no r= on rows and cells, prefixed elements, an absolute workbook target,
    /// inline rich text, a formula's string result, a boolean, an error value, an escaped CR, and a
    /// hidden first sheet that the user never sees.
    func testHandWrittenSpreadsheetMLWithoutReferences() throws {
        let table = try reader.read(Fixture.data("handwritten-no-refs.xlsx"))

        XCTAssertEqual(table.source, .workbook(sheetName: "数据"))
        XCTAssertEqual(table.rows.map(\.number), [1, 2, 5, 6])
        XCTAssertEqual(table.row(1)?.values, ["名称", "数量", "合计"])
        XCTAssertEqual(table.row(2)?.values, ["甲 乙", "3", "3件"])
        XCTAssertEqual(table.row(5)?.values, ["", "", "TRUE", "#N/A"])
        XCTAssertEqual(table.row(6)?.values, ["换行\r\n第二行"])
    }

    func testTheOfficesOwnListReadsUnderItsHeaderRow() throws {
        // setup
        let table = try reader.read(Fixture.data("units-changzhou-2022.xlsx"))
        let locator = HeaderLocator(fields: UnitField.fields)

        // MUT
        let header = try locator.locate(in: table)

        // validate
        XCTAssertEqual(header.rowNumber, 2)
        XCTAssertEqual(header.missingRequired, [])
        XCTAssertEqual(header.unknownColumns, [])
        XCTAssertEqual(header.columns[.name]?.letters, "B")
        XCTAssertEqual(header.columns[.phone]?.letters, "F")
        XCTAssertEqual(table.mergedRanges.map(\.description), ["A1:F1"])
        let data = table.rows(below: header.rowNumber)
        // Rows 3–87 lie below the header: 83 units, blank row 86 (left out), and the note in row 87.
        XCTAssertEqual(data.first?.number, 3)
        XCTAssertEqual(data.last?.number, 87)
        XCTAssertEqual(data.count, 84)
        XCTAssertEqual(data.filter { !header.value(.name, in: $0)!.isEmpty }.count, 83)
        let first = try XCTUnwrap(data.first)
        XCTAssertEqual(header.value(.serial, in: first), "1")
        XCTAssertEqual(header.value(.name, in: first), "溧阳市")
        XCTAssertEqual(header.value(.category, in: first), "辖市区")
        XCTAssertEqual(header.value(.liaison, in: first), "")
        let last = try XCTUnwrap(table.row(85))
        XCTAssertEqual(last.values, ["83", "晋陵投资公司", "市属国有企业"])
        XCTAssertTrue(table.row(87)?[SheetColumn(letters: "A")!].hasPrefix("备注：1.行业主管监管部门共6个部门") == true)
        XCTAssertNil(table.row(86))
    }

    func testAnEmptyWorkbookIsAnEmptyTable() throws {
        let table = try reader.read(Fixture.data("openpyxl-empty.xlsx"))

        XCTAssertTrue(table.isEmpty)
        XCTAssertEqual(table.source, .workbook(sheetName: "空表"))
        XCTAssertThrowsSheetError(.emptySheet) { () throws(SheetError) in
            try HeaderLocator(fields: UnitField.fields).locate(in: table)
        }
    }

    func testFilesThatAreNotWorkbooksAreNamed() throws {
        let xls = try Fixture.data("renamed-xls.xlsx")
        XCTAssertThrowsSheetError(.notAZip(.compoundDocument)) { () throws(SheetError) in try reader.read(xls) }
        let csv = try Fixture.data("renamed-csv.xlsx")
        XCTAssertThrowsSheetError(.notAZip(.text)) { () throws(SheetError) in try reader.read(csv) }
        let zip = try Fixture.data("zip-not-xlsx.xlsx")
        XCTAssertThrowsSheetError(.notAWorkbook(missingPart: "xl/workbook.xml")) { () throws(SheetError) in try reader.read(zip) }
        XCTAssertThrowsSheetError(.notAZip(.empty)) { () throws(SheetError) in try reader.read(Data()) }
        XCTAssertThrowsSheetError(.notAZip(.pdf)) { () throws(SheetError) in try reader.read(Data("%PDF-1.7\n".utf8)) }
        XCTAssertThrowsSheetError(.notAZip(.unknown)) { () throws(SheetError) in try reader.read(Data([0, 1, 2, 3, 0x1B])) }
    }

    func testATruncatedWorkbookIsCorrupt() throws {
        let data = try Fixture.data("openpyxl-units.xlsx")

        XCTAssertThrowsError(try reader.read(data.prefix(data.count / 2))) { error in
            XCTAssertEqual((error as? SheetError)?.code, "sheet.corrupt_archive")
        }
    }

    func testLimitsRefuseOversizedWorkbooks() throws {
        let data = try Fixture.data("openpyxl-units.xlsx")
        func read(_ limits: SheetLimits) throws(SheetError) -> SheetTable {
            try XLSXReader(limits: limits).read(data)
        }

        XCTAssertThrowsSheetError(.fileTooLarge(bytes: data.count, limit: 1000)) { () throws(SheetError) in
            try read(SheetLimits(maxFileBytes: 1000))
        }
        XCTAssertThrowsSheetError(.uncompressedTooLarge(limit: 2000)) { () throws(SheetError) in
            try read(SheetLimits(maxUncompressedBytes: 2000))
        }
        XCTAssertThrowsSheetError(.tooManyEntries(count: 4, limit: 3)) { () throws(SheetError) in
            try read(SheetLimits(maxEntries: 3))
        }
        XCTAssertThrowsSheetError(.tooManyRows(limit: 3)) { () throws(SheetError) in
            try read(SheetLimits(maxRows: 3))
        }
        XCTAssertThrowsSheetError(.tooManyColumns(row: 2, column: SheetColumn(letters: "F")!, limit: 5)) { () throws(SheetError) in
            try read(SheetLimits(maxColumns: 5))
        }
    }

    /// A part that inflates far beyond the limit (here 8 MiB of zeros in a few kilobytes).
    func testAZipBombIsRefused() throws {
        let bomb = try Self.archive(["xl/workbook.xml": String(repeating: " ", count: 8 << 20)])
        XCTAssertLessThan(bomb.count, 64 << 10)

        XCTAssertThrowsSheetError(.uncompressedTooLarge(limit: 1 << 20)) { () throws(SheetError) in
            try XLSXReader(limits: SheetLimits(maxUncompressedBytes: 1 << 20)).read(bomb)
        }
    }

    /// A directory that understates a part's size passes the first check; counting while inflating
    /// catches it.
    func testAZipBombWithALyingDirectoryIsRefused() throws {
        var bomb = try [UInt8](Self.archive(["xl/workbook.xml": String(repeating: " ", count: 8 << 20)]))
        // Uncompressed size: offset 22 of the local header (PK\3\4), 24 of the central one (PK\1\2).
        for (signature, offset) in [([0x50, 0x4B, 0x03, 0x04], 22), ([0x50, 0x4B, 0x01, 0x02], 24)] as [([UInt8], Int)] {
            let start = try XCTUnwrap((0..<(bomb.count - 4)).first { Array(bomb[$0..<($0 + 4)]) == signature })
            bomb.replaceSubrange((start + offset)..<(start + offset + 4), with: [0x10, 0, 0, 0])
        }

        XCTAssertThrowsSheetError(.uncompressedTooLarge(limit: 1 << 20)) { () throws(SheetError) in
            try XLSXReader(limits: SheetLimits(maxUncompressedBytes: 1 << 20)).read(Data(bomb))
        }
    }

    func testADocumentTypeDeclarationIsRefused() throws {
        let workbook = #"<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><workbook><sheets/></workbook>"#
        let data = try Self.archive(["xl/workbook.xml": workbook])

        XCTAssertThrowsSheetError(.unsafeXML(entry: "xl/workbook.xml")) { () throws(SheetError) in try reader.read(data) }
    }

    func testBrokenXMLNamesThePart() throws {
        let data = try Self.archive([
            "xl/workbook.xml": #"<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            "xl/_rels/workbook.xml.rels": #"<Relationships><Relationship Id="rId1" Type="http://x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
            "xl/worksheets/sheet1.xml": "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c>\n<row></sheetData>",
        ])

        XCTAssertThrowsError(try reader.read(data)) { error in
            guard case .badXML(let entry, let line, _) = error as? SheetError else { return XCTFail("\(error)") }
            XCTAssertEqual(entry, "xl/worksheets/sheet1.xml")
            XCTAssertEqual(line, 2)
        }
    }

    func testASharedStringIndexOutOfRangeNamesTheCell() throws {
        let data = try Self.archive([
            "xl/workbook.xml": #"<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            "xl/_rels/workbook.xml.rels": #"<Relationships><Relationship Id="rId1" Type="http://x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
            "xl/worksheets/sheet1.xml": #"<worksheet><sheetData><row r="7"><c r="F7" t="s"><v>3</v></c></row></sheetData></worksheet>"#,
        ])

        XCTAssertThrowsSheetError(.invalidCell(entry: "xl/worksheets/sheet1.xml",
                                               position: SheetCellPosition(reference: "F7")!)) { () throws(SheetError) in
            try reader.read(data)
        }
    }

    func testMergedCellsCanBeFilled() throws {
        let table = SheetTable(source: .workbook(sheetName: "S"), rows: [
            SheetRow(number: 1, values: ["标题"]),
            SheetRow(number: 3, values: ["常州市委办", "张三"]),
            SheetRow(number: 4, values: ["", "李四"]),
        ], mergedRanges: [SheetRange(reference: "A1:C1")!, SheetRange(reference: "A3:A5")!])

        let filled = table.fillingMergedCells()

        XCTAssertEqual(filled.rows.map(\.number), [1, 3, 4, 5])
        XCTAssertEqual(filled.row(1)?.values, ["标题", "标题", "标题"])
        XCTAssertEqual(filled.row(4)?.values, ["常州市委办", "李四"])
        XCTAssertEqual(filled.row(5)?.values, ["常州市委办"])
    }

    /// A zip written by ZIPFoundation from the given parts, for malformed workbooks no producer writes.
    static func archive(_ parts: [String: String]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts.sorted(by: { $0.key < $1.key }) {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        return try XCTUnwrap(archive.data)
    }
}
