"""Small hand-made histories in the layout of the real data set (the online_retail preset), whose KPIs and RFM
scores are worked out by hand in the tests that use them."""

from __future__ import annotations

from pathlib import Path

HEADER = "invoice,stock_code,description,quantity,invoice_date,unit_price,customer_id,country\n"

# Four clients over January-April 2011 (quarters Q1 and Q2), GBP:
#   A  Jan: inv 1 X 2x50 + Y 1x20 = 120 | Feb: inv 6 X 50, cancelled by C7 -50 (net 0) | Mar: inv 10 X 50 + Y 40 + Z 10 = 100
#   B  Jan: inv 2 X 50, inv 3 Z 30 = 80 | Feb: C9 returns Z -30                          | Apr: inv 14 Z 20
#   C  Jan: inv 5 POSTAGE 15 (a fee)    | Feb: inv 8 Y 5x20 = 100                        | Mar: inv 11 Y 20
#   D                                                                                    | Mar: inv 12 X 10x50 = 500 | Apr: inv 13 X 100
#   E  Jan: inv 15 Y 20, cancelled by C16 (net 0: never active, left out of the RFM)
#   and inv 4, a January sale without a customer (left out of every per-client figure).
KPI_ROWS = [
    "1,X,x,2,2011-01-01T09:00:00,50.00,A,UK",
    "1,Y,y,1,2011-01-01T09:00:00,20.00,A,UK",
    "2,X,x,1,2011-01-10T10:00:00,50.00,B,UK",
    "3,Z,z,3,2011-01-12T10:00:00,10.00,B,UK",
    "4,X,x,1,2011-01-13T10:00:00,50.00,,UK",
    "5,POST,postage,1,2011-01-14T10:00:00,15.00,C,France",
    "15,Y,y,1,2011-01-20T10:00:00,20.00,E,UK",
    "C16,Y,y,-1,2011-01-21T10:00:00,20.00,E,UK",
    "6,X,x,1,2011-02-02T10:00:00,50.00,A,UK",
    "C7,X,x,-1,2011-02-03T10:00:00,50.00,A,UK",
    "8,Y,y,5,2011-02-10T10:00:00,20.00,C,France",
    "C9,Z,z,-3,2011-02-11T10:00:00,10.00,B,UK",
    "10,X,x,1,2011-03-15T10:00:00,50.00,A,UK",
    "10,Y,y,2,2011-03-15T10:00:00,20.00,A,UK",
    "10,Z,z,1,2011-03-15T10:00:00,10.00,A,UK",
    "11,Y,y,1,2011-03-20T10:00:00,20.00,C,France",
    "12,X,x,10,2011-03-25T10:00:00,50.00,D,Germany",
    "13,X,x,2,2011-04-05T10:00:00,50.00,D,Germany",
    "14,Z,z,2,2011-04-20T10:00:00,10.00,B,UK",
]

# Six clients over January-March 2011 for the RFM scores:
#   P  3 invoices (Jan 10, Feb 10, Mar 28), 300.00      Q  1 invoice (Mar 30), 50.00
#   R  2 invoices (Jan 5, Feb 1) 200.00, a return of 50.00 on Feb 3: net 150.00
#   S  1 invoice (Jan 2), 500.00                        T  1 invoice (Mar 1), 50.00
#   U  40.00 on Jan 3, cancelled on Jan 4: net 0, left out
RFM_ROWS = [
    "101,X,x,1,2011-01-10T10:00:00,100.00,P,UK",
    "102,X,x,1,2011-02-10T10:00:00,100.00,P,UK",
    "103,X,x,1,2011-03-28T10:00:00,100.00,P,UK",
    "104,Y,y,1,2011-03-30T10:00:00,50.00,Q,UK",
    "105,Y,y,2,2011-01-05T10:00:00,50.00,R,France",
    "106,Y,y,1,2011-02-01T10:00:00,100.00,R,France",
    "C107,Y,y,-1,2011-02-03T10:00:00,50.00,R,France",
    "108,Z,z,5,2011-01-02T10:00:00,100.00,S,Germany",
    "109,Z,z,1,2011-03-01T10:00:00,50.00,T,UK",
    "110,Z,z,4,2011-01-03T10:00:00,10.00,U,UK",
    "C111,Z,z,-4,2011-01-04T10:00:00,10.00,U,UK",
]


def write_history(path: Path, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path
