module github.com/ticketbot/ticketbot

go 1.26
