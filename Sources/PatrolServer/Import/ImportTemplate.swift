import Foundation
import PatrolSheet
import Vapor

/// The blank lists an organiser downloads to fill in, in Chinese, in the columns the import reads
/// (`UnitSheet.templateHeader`, `AssetSheet.templateHeader`): as .xlsx for Excel and WPS, with a
/// title row saying how to fill it, and as CSV (UTF-8 with a BOM, which Excel needs to read UTF-8).
enum ImportTemplate: String, CaseIterable {
    case unitsXLSX = "units.xlsx"
    case unitsCSV = "units.csv"
    case assetsXLSX = "assets.xlsx"
    case assetsCSV = "assets.csv"
    case teamsXLSX = "teams.xlsx"
    case teamsCSV = "teams.csv"

    /// The list it is for, naming its label and file name.
    var key: String {
        switch self {
        case .unitsXLSX: "unitsXLSX"
        case .unitsCSV: "unitsCSV"
        case .assetsXLSX: "assetsXLSX"
        case .assetsCSV: "assetsCSV"
        case .teamsXLSX: "teamsXLSX"
        case .teamsCSV: "teamsCSV"
        }
    }

    var isWorkbook: Bool { [.unitsXLSX, .assetsXLSX, .teamsXLSX].contains(self) }
    var fileExtension: String { isWorkbook ? ".xlsx" : ".csv" }

    var contentType: HTTPMediaType {
        isWorkbook
            ? HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            : HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
    }

    func data() throws -> Data {
        switch self {
        case .unitsXLSX:
            return try Self.workbook(name: "被检测单位", title: "被检测单位及联络员名单（单位编码可不填，由平台生成；一个单位有多名联络员时，在下一行只填联络员和手机）",
                                     header: UnitSheet.templateHeader, widths: [10, 30, 26, 18, 20, 14, 14, 20])
        case .assetsXLSX:
            return try Self.workbook(name: "互联网资产", title: "互联网资产台账（单位编码或单位名称填一项即可；资产类型：网站、域名、IP 地址、网段等，可不填；网站填写完整网址，如 https://www.example.gov.cn/）",
                                     header: AssetSheet.templateHeader, widths: [10, 24, 12, 40, 16, 24])
        case .teamsXLSX:
            return try Self.workbook(name: "检测队", title: "检测队及检测人员名单（每名成员一行；同一检测队的下一行可只填成员；用户名可不填，由平台生成）",
                                     header: TeamSheet.templateHeader, widths: [12, 20, 26, 12, 16, 12, 16, 16])
        case .teamsCSV: return Self.csv(TeamSheet.templateHeader)
        case .unitsCSV: return Self.csv(UnitSheet.templateHeader)
        case .assetsCSV: return Self.csv(AssetSheet.templateHeader)
        }
    }

    /// No example row: one left in by mistake would be imported like any other; the title row explains.
    static func workbook(name: String, title: String, header: [String], widths: [Double]) throws -> Data {
        let columns = zip(header, widths).map { XLSXColumn($0.0, width: $0.1, isText: true) }
        let sheet = XLSXSheet(name: name, title: title, columns: columns)
        return try XLSXWriter(sheets: [sheet]).data()
    }

    /// The header only; its names hold no comma or quote, so they are written as they are.
    static func csv(_ header: [String]) -> Data {
        Data([0xEF, 0xBB, 0xBF]) + Data((header.joined(separator: ",") + "\r\n").utf8)
    }
}
