"""Tests of scheduler.store.entities: the generic accessor on a tiny entity in an in-memory database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlite_utils

from routing.errors import InputError
from scheduler.store import NotFound, StorageError
from scheduler.store.entities import Entities, transaction
from scheduler.store.mappers import Mapper


@dataclass
class Book:
    """The tiny entity: a title, an optional ISBN (its external id) and the database id."""

    title: str
    isbn: str | None = None
    shelf: int | None = None
    id: int | None = None


BOOK = Mapper(to_row=lambda b: {"title": b.title, "isbn": b.isbn, "shelf": b.shelf},
              from_row=lambda row: Book(row["title"], row["isbn"], row["shelf"], id=row["id"]))


@pytest.fixture
def db():
    """An in-memory database with a shelves table and a books table referring to it."""
    database = sqlite_utils.Database(memory=True)
    database.execute("CREATE TABLE shelves (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    database.execute("CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, isbn TEXT UNIQUE, "
                     "shelf INTEGER REFERENCES shelves(id))")
    database["shelves"].insert({"id": 1, "name": "絵本"})
    yield database
    database.close()


@pytest.fixture
def books(db):
    """Books with ISBN as external id and a check that the shelf exists."""
    shelves = Entities(db, "shelves", "shelf", Mapper(to_row=dict, from_row=dict))
    return Entities(db, "books", "book", BOOK, external_id="isbn", order_by="title, id",
                    check=lambda b: shelves.require(b.shelf, field="shelf") if b.shelf is not None else None)


def test_add_returns_a_copy_with_the_new_id_and_get_finds_it(books):
    """add leaves its argument alone and returns a copy with id 1, then 2; get loads each back."""
    book = Book("ぐりとぐら", "978-4")
    first = books.add(book)
    second = books.add(Book("はらぺこあおむし"))
    assert (book.id, first.id, second.id) == (None, 1, 2)
    assert books.get(1) == first == Book("ぐりとぐら", "978-4", id=1)
    assert books.get(2) == second


def test_get_of_a_missing_id_names_the_entity_and_the_id(books):
    """get(99) raises NotFound 'book 99 not found', the store's message for every entity."""
    with pytest.raises(NotFound, match="^book 99 not found$"):
        books.get(99)


def test_by_external_id_finds_the_object_or_none(books):
    """by_external_id returns the book with that ISBN, and None for an unknown one."""
    book = books.add(Book("ぐりとぐら", "978-4"))
    assert books.by_external_id("978-4") == book
    assert books.by_external_id("000-0") is None


def test_duplicate_external_id_is_refused_naming_the_holder(books):
    """A second book with ISBN 978-4 is refused on add and on update; a book may keep its own."""
    first = books.add(Book("ぐりとぐら", "978-4"))
    other = books.add(Book("はらぺこあおむし", "978-5"))
    with pytest.raises(StorageError, match="^isbn: '978-4' is already used by book 1$"):
        books.add(Book("ぐりとぐら (2)", "978-4"))
    with pytest.raises(StorageError, match="'978-4' is already used by book 1"):
        books.update(Book(other.title, "978-4", id=other.id))
    assert books.update(Book("ぐりとぐら 新版", "978-4", id=first.id)).title == "ぐりとぐら 新版"
    assert len(books.all()) == 2


def test_update_overwrites_the_row_and_refuses_unsaved_or_unknown_objects(books):
    """update returns the stored book; no id is an InputError, an unknown id is NotFound."""
    book = books.add(Book("ぐりとぐら"))
    book.title, book.shelf = "ぐりとぐらのえんそく", 1
    assert books.update(book) == books.get(book.id) == book
    with pytest.raises(InputError, match="^book: has no id; add it before updating$"):
        books.update(Book("新しい本"))
    with pytest.raises(NotFound, match="^book 5 not found$"):
        books.update(Book("ない本", id=5))


def test_check_runs_before_writing_and_refuses_missing_references(books):
    """A book on shelf 9 (not stored) is refused by the check with the field named; nothing is written."""
    with pytest.raises(NotFound, match=r"^shelf: shelf 9 not found$"):
        books.add(Book("迷子の本", shelf=9))
    assert books.all() == []
    assert books.add(Book("棚の本", shelf=1)).shelf == 1


def test_all_and_where_use_the_table_order_unless_told(books):
    """all() is in title order; where filters, orders and limits as asked."""
    for title in ("c", "a", "b"):
        books.add(Book(title))
    assert [b.title for b in books.all()] == ["a", "b", "c"]
    assert [b.title for b in books.where("title != ?", ["a"])] == ["b", "c"]
    assert [b.title for b in books.where("title >= :t", {"t": "b"}, order_by="id DESC", limit=1)] == ["b"]


def test_set_overwrites_columns_or_names_the_missing_row(books):
    """set changes the named columns only; on a missing id it raises NotFound."""
    book = books.add(Book("ぐりとぐら", "978-4"))
    books.set(book.id, {"title": "ぐりとぐら 新版"})
    assert books.get(book.id) == Book("ぐりとぐら 新版", "978-4", id=book.id)
    with pytest.raises(NotFound, match="^book 42 not found$"):
        books.set(42, {"title": "x"})


def test_upsert_by_another_key_adds_then_overwrites(db):
    """With key='isbn', upsert adds a book, then overwrites the one with the same ISBN; get looks up by ISBN."""
    by_isbn = Entities(db, "books", "book", BOOK, key="isbn")
    by_isbn.upsert(Book("ぐりとぐら", "978-4"))
    by_isbn.upsert(Book("ぐりとぐら 新版", "978-4"))
    assert [b.title for b in by_isbn.all()] == ["ぐりとぐら 新版"]
    assert by_isbn.get("978-4").title == "ぐりとぐら 新版"
    assert by_isbn.exists("978-4") and not by_isbn.exists(None)


def test_an_add_inside_a_failing_transaction_is_rolled_back(db, books):
    """An add in a block that then fails leaves no row: the add joined the outer transaction."""
    with pytest.raises(RuntimeError), transaction(db):
        books.add(Book("ぐりとぐら"))
        raise RuntimeError("later step fails")
    assert books.all() == []
